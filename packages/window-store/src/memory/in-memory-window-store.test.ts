import { THRESHOLDS, windowStoreContract } from '../window-store.contract.js';
import { InMemoryWindowStore } from './in-memory-window-store.js';

windowStoreContract('in-memory', () => new InMemoryWindowStore({ thresholdsMs: THRESHOLDS }));
