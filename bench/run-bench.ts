/**
 * `npm run bench`: throughput and cost figures measured on the real broker and Redis, each
 * printed next to the ceiling measured in the same run, and written as flat JSON to
 * bench-results/<suite>.json.
 */
import { fileURLToPath } from 'node:url';
import { silenceKafkajsNegativeTimeoutWarnings } from '@budgetwatch/kafka';
import { openBenchBed } from './bench-bed.js';
import { runEmbeddedMemoryBench } from './embedded-memory-bench.js';
import { runEvaluatorBench } from './evaluator-bench.js';
import { runIngestBench } from './ingest-bench.js';
import { renderTable, writeFigures } from './report.js';
import { runScaleBench } from './scale-bench.js';
import { runSoakBench } from './soak-bench.js';

// The bench's kafkajs clients arm the same harmless negative timer as the CLI's (packages/kafka).
silenceKafkajsNegativeTimeoutWarnings();

const resultsDir = fileURLToPath(new URL('../bench-results/', import.meta.url));

async function main(): Promise<number> {
  const bed = await openBenchBed();
  let missed = 0;
  try {
    if (process.env.BENCH_SKIP_INGEST !== '1') {
      const ingest = await runIngestBench(bed);
      console.log(
        renderTable(
          'Ingest (records of 100 spans: all tool calls, then mixed traffic; one Node process)',
          ingest.rows,
        ),
      );
      writeFigures(`${resultsDir}ingest.json`, { ...ingest.figures });
      missed += ingest.rows.filter((row) => row.met === false).length;
    }
    const scale = process.env.BENCH_SKIP_SCALE === '1' ? undefined : await runScaleBench(bed);
    if (scale !== undefined) {
      console.log(`\n${renderTable('Scale (ingest-worker processes in one consumer group)', scale.rows)}`);
    }
    const soak =
      process.env.BENCH_SKIP_SOAK === '1'
        ? undefined
        : await runSoakBench(bed, scale?.figures.spans_per_s_1_worker);
    if (soak !== undefined) {
      console.log(`\n${renderTable('Soak (one ingest-worker process, SIGKILLed every minute)', soak.rows)}`);
      missed += soak.rows.filter((row) => row.met === false).length;
    }
    if (scale !== undefined || soak !== undefined) {
      writeFigures(`${resultsDir}scale.json`, { ...scale?.figures, ...soak?.figures });
    }
    if (process.env.BENCH_SKIP_EMBEDDED !== '1') {
      const embedded = await runEmbeddedMemoryBench();
      console.log(
        `\n${renderTable('Embedded defaults at the cardinality caps (budgetwatch start)', embedded.rows)}`,
      );
      writeFigures(`${resultsDir}embedded.json`, { ...embedded.figures });
      missed += embedded.rows.filter((row) => row.met === false).length;
    }
    if (process.env.BENCH_SKIP_EVALUATOR !== '1') {
      const evaluator = await runEvaluatorBench(bed);
      console.log(`\n${renderTable('Evaluator (detection latency, sweep, memory)', evaluator.rows)}`);
      writeFigures(`${resultsDir}evaluator.json`, { ...evaluator.figures });
      missed += evaluator.rows.filter((row) => row.met === false).length;
    }
  } finally {
    await bed.close();
  }
  console.log(`\nfigures written to ${resultsDir}`);
  return missed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
