export { mapInTurns, TURN_BUDGET_MS, yieldIfTurnIsLong } from './turns.js';
