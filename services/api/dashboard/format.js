// What every page of the dashboard shows the same way: elements, names from spans (through
// displayText, as text), values in their units, rule states with a symbol as well as a colour.
import { displayText } from './display-text.js';

export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) node.setAttribute(key, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A name from spans (or the inventory), display-safe and isolated from the text around it. */
export function name(text) {
  return element('bdi', {}, displayText(text));
}

/** A number in a reading's unit: ms, a ratio as a percentage, or a burn rate as a multiple. */
export function inUnit(unit, value) {
  if (value === null || value === undefined) return '–';
  if (unit === 'ms') return `${Math.round(value)} ms`;
  if (unit === 'burn_rate') return `${value.toFixed(1)}x`;
  return `${(value * 100).toFixed(1)}%`;
}

/** A state as read without colour: a symbol and a word. */
export const STATE_LABELS = { firing: '▲ firing', ok: '✓ ok', no_data: '· no data' };

export function stateLabel(state) {
  return STATE_LABELS[state] ?? state;
}

/** How much of the budget is used, as a percentage. */
export function budgetText(budgetUsed) {
  return `${Math.round(budgetUsed * 100)}% of budget`;
}

/** Decisions in force (the decision feed) as operators say them. */
export const DECISION_LABELS = {
  frozen: 'frozen',
  concurrency_lowered: 'throttled',
  audit_requested: 'audit requested',
  incident_open: 'incident open',
  expansion_halted: 'expansion halted',
  kill_switch: 'kill switch',
};

export function decisionLabel(kind) {
  return DECISION_LABELS[kind] ?? displayText(kind);
}

export function time(iso) {
  return new Date(iso).toLocaleString();
}
