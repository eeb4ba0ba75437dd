import { defineConfig } from 'vitest/config';

/** Workspace packages export their TypeScript sources under this condition, so tests need no build. */
const sourceCondition = '@budgetwatch/source';
/**
 * Node's own conditions: 'module' (in Vite's defaults) would pick bundler-only ESM builds of
 * dependencies that Node itself cannot load once vitest externalizes them.
 */
const conditions = [sourceCondition, 'node', 'import', 'default'];

export default defineConfig({
  resolve: { conditions: conditions },
  ssr: {
    resolve: { conditions: conditions },
    noExternal: [/^@budgetwatch\//],
  },
  // Global setup files are loaded through vitest's own environment, which needs the same rules.
  environments: {
    __vitest__: {
      resolve: { conditions: conditions, noExternal: [/^@budgetwatch\//] },
    },
  },
  test: {
    // Most integration files wait on brokers, Redis and child processes rather than compute, so
    // three run at once even on two cores (vitest's default there is one at a time).
    maxWorkers: 3,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          // Pure tests, and checks of the repository itself: nothing here needs Kafka or Redis.
          include: ['packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'test/unit/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          sequence: { groupOrder: 0 },
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/setup/global-setup.ts'],
          // The kafkajs timer warning that the CLI drops (packages/kafka) is noise in test workers too.
          setupFiles: ['test/setup/process-warnings.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'load',
          // Latency bounds under load (docs/operations.md, "Probes and monitoring") measure the
          // process under test, not the machine: these files run after the others, one at a time.
          include: ['test/load/**/*.test.ts'],
          sequence: { groupOrder: 1 },
          fileParallelism: false,
          setupFiles: ['test/setup/process-warnings.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
