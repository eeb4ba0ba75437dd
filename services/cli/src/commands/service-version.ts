import { createRequire } from 'node:module';

/** The CLI package's version: what --version prints and telemetry reports as service.version. */
export const { version: serviceVersion } = createRequire(import.meta.url)('../../package.json') as {
  version: string;
};
