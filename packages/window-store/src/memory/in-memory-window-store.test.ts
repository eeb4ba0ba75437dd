import { THRESHOLDS, windowStoreContract } from '../window-store.contract.js';
import { InMemoryWindowStore } from './in-memory-window-store.js';

windowStoreContract('in-memory', (_label, now) => new InMemoryWindowStore({ thresholdsMs: THRESHOLDS }, now));
