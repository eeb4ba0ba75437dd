import { controlPlaneRisk, DEFAULT_CRS_SCORING, type InventoryServer } from '@budgetwatch/domain';
import { createEventValidator } from '@budgetwatch/testkit';
import { describe, expect, it } from 'vitest';
import { crsGateEvent } from './crs-events.js';
import { responderContextOf } from './inventory-responder.js';

const server: InventoryServer = {
  id: 'payments-mcp',
  name: 'Payments',
  owner: null,
  tier: 2,
  dataSensitivity: 'confidential',
  writeCapability: 'full',
  auth: { mode: 'none', scopes: [] },
  sharedAdminCredentials: true,
  credentialsSeparated: false,
  downstreamImpact: null,
  killSwitch: { owner: null, lastTestedAt: null },
  fallbackMode: 'queue',
  maxBlastRadius: null,
  recoveryChecklist: [],
  match: [],
};

describe('crsGateEvent', () => {
  const breakdown = controlPlaneRisk(
    {
      server,
      live: { consumed: {}, unexpectedBlocksRule: 'unexpected-policy-blocks' },
      nowMs: 0,
      killSwitchMaxAgeDays: 30,
    },
    DEFAULT_CRS_SCORING,
  );

  it.each(['breached', 'recovered'] as const)(
    'a %s gate is a valid expansion event naming its top reasons',
    (transition) => {
      const event = crsGateEvent({
        breakdown,
        threshold: 60,
        transition,
        position: { epoch: 1, transitions: transition === 'breached' ? 1 : 2 },
        responder: responderContextOf(server),
        evaluatedAtMs: Date.UTC(2026, 10, 25),
      });
      expect(createEventValidator().errors(event)).toEqual([]);
      expect(event.type).toBe(
        transition === 'breached' ? 'budgetwatch.expansion.halted' : 'budgetwatch.expansion.resumed',
      );
      expect(event.id).toBe(
        `crs-gate/prod|payments-mcp|*/1/${transition === 'breached' ? 1 : 2}/${event.type.slice(12)}`,
      );
      expect(event.data.crs.reasons).toHaveLength(3);
      expect(event.data.crs.score).toBe(breakdown.crs);
      expect(event.data.fallbackMode).toBe('queue');
    },
  );
});
