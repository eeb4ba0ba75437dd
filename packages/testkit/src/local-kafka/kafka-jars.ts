import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProcess } from '../run-process.js';

/** The Kafka release the local broker runs; the pom's default, passed explicitly to Maven. */
export const KAFKA_VERSION = '4.4.0';

/** Directory holding this package's Kafka pom and log4j2 configuration (same from src/ and dist/). */
export const KAFKA_RESOURCES_DIR = fileURLToPath(new URL('../../kafka/', import.meta.url));

const COMPLETE_MARKER = '.complete';

export interface KafkaJars {
  version: string;
  /** Directory with every jar the broker needs; use `${libDir}/*` as the class path. */
  libDir: string;
  /** True when Maven ran in this call (cold cache). */
  fetched: boolean;
}

/**
 * Resolves the broker's jars from Maven Central into `cacheDir` (kept between runs, git-ignored).
 * A complete download is marked, so a warm cache costs no Maven run at all; an interrupted one is
 * never mistaken for complete because jars land in a temporary directory renamed at the end.
 */
export async function ensureKafkaJars(cacheDir: string, version: string = KAFKA_VERSION): Promise<KafkaJars> {
  const libDir = join(cacheDir, `kafka-${version}`, 'libs');
  if (existsSync(join(libDir, COMPLETE_MARKER))) return { version, libDir, fetched: false };

  const staging = `${libDir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(dirname(libDir), { recursive: true });
  const result = await runProcess('mvn', [
    '-B',
    '-q',
    '-f',
    join(KAFKA_RESOURCES_DIR, 'pom.xml'),
    'dependency:copy-dependencies',
    `-DoutputDirectory=${staging}`,
    '-DincludeScope=runtime',
    `-Dkafka.version=${version}`,
  ]).catch((error: Error) => {
    throw new Error(
      `cannot fetch the Kafka broker jars: ${error.message} (Maven 3 and Java 17+ are needed, or set KAFKA_BROKERS)`,
    );
  });
  if (result.code !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(
      `mvn dependency:copy-dependencies failed (exit ${result.code}):\n${result.output.slice(-4000)}`,
    );
  }
  const jars = readdirSync(staging).filter((name) => name.endsWith('.jar'));
  if (!jars.some((name) => name.startsWith(`kafka_2.13-${version}`))) {
    throw new Error(`Maven finished but kafka_2.13-${version}.jar is missing from ${staging}`);
  }
  writeFileSync(join(staging, COMPLETE_MARKER), `${jars.length} jars\n`);
  rmSync(libDir, { recursive: true, force: true });
  renameSync(staging, libDir);
  return { version, libDir, fetched: true };
}
