import {
  type CrsGateEvent,
  crsGateEvent,
  type ResponderContext,
  UNREGISTERED,
  type UnregisteredServerEvent,
  unregisteredServerEvent,
} from '@budgetwatch/events';

/**
 * The CRS gate's expansion.halted (breached) or .resumed (recovered) for a server, as the evaluator
 * publishes it, with docs/crs.md's example score: 62.3 when halted, 48.2 when resumed.
 */
export function crsGateTransitionEvent(options: {
  server?: string;
  transition: 'breached' | 'recovered';
  number: number;
  responder?: ResponderContext;
  atMs?: number;
}): CrsGateEvent {
  const halted = options.transition === 'breached';
  const R = halted ? 100 : 44;
  return crsGateEvent({
    breakdown: {
      server: options.server ?? 'payments-mcp',
      A: 35,
      R,
      O: 30,
      B: 95,
      crs: 37.25 + R / 4,
      gated: halted,
      reasons: [
        { factor: 'R', points: R, contribution: R / 4, text: `${R}% of the success-rate budget used` },
        { factor: 'B', points: 95, contribution: 19, text: 'Tier 2, full write access, confidential data' },
        { factor: 'A', points: 35, contribution: 12.25, text: 'static token without declared scopes' },
      ],
    },
    threshold: 60,
    transition: options.transition,
    position: { epoch: Date.UTC(2026, 10, 1), transitions: options.number },
    responder: options.responder ?? UNREGISTERED,
    evaluatedAtMs: options.atMs ?? Date.UTC(2026, 10, 25, 12),
  });
}

/** The evaluator's announcement of a server agents call that the inventory does not list. */
export function unregisteredServerAnnouncement(options: {
  server?: string;
  tools?: readonly string[];
  atMs?: number;
}): UnregisteredServerEvent {
  return unregisteredServerEvent(
    options.server ?? 'shadow-mcp',
    options.tools ?? ['exec', 'read'],
    options.atMs ?? Date.UTC(2026, 10, 25, 12),
  );
}
