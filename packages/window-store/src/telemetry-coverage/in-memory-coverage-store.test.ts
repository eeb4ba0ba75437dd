import { coverageStoreContract } from './coverage-store.contract.js';
import { InMemoryCoverageStore } from './in-memory-coverage-store.js';

// The Redis store runs the same contract in test/integration/coverage-store.test.ts.
coverageStoreContract('in-memory', () => new InMemoryCoverageStore());
