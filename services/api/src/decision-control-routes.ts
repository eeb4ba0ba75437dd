import type { Inventory } from '@budgetwatch/domain';
import type { EventPublisher } from '@budgetwatch/evaluator';
import {
  actorSchema,
  type DecisionSubject,
  liftDurationSchema,
  type OperatorEvent,
  type OperatorEventType,
  OperatorStamps,
  operatorEvent,
  reasonSchema,
  responderContextOf,
  subjectNameSchema,
} from '@budgetwatch/events';
import { z } from 'zod';
import { ApiError, type ApiResponse, type Route } from './http-api.js';
import { validBody } from './request-body.js';

export interface DecisionControlOptions {
  /**
   * Where operator events go: the publisher the evaluator uses (the events topic, then the event
   * history), so they reach policy engines and the audit trail as rule events do. Null: this
   * process has no events topic, and the routes answer 503.
   */
  publisher: Pick<EventPublisher, 'publish'> | null;
  /** The inventory as it is now: a kill switch needs a listed server; it gives the fallback mode. */
  inventory: () => Promise<Inventory>;
  stamps?: OperatorStamps;
}

/** Operator requests are a few names and a sentence. */
const MAX_CONTROL_BODY_BYTES = 16 * 1024;

const operatorFields = { server: subjectNameSchema, reason: reasonSchema, actor: actorSchema };
const killSwitchBody = z.strictObject({ ...operatorFields, engaged: z.boolean() });
const freezeBody = z.strictObject({ ...operatorFields, tool: subjectNameSchema.optional() });
const liftBody = freezeBody.extend({ durationMs: liftDurationSchema.optional() });

/**
 * The operator controls of docs/contract.md ("Operator controls"): POST
 * /api/v1/decisions/kill-switch, POST and DELETE /api/v1/decisions/freeze and POST
 * /api/v1/decisions/lift. Each publishes one operator event and answers 202 with its id; the
 * decision changes where the event is folded (docs/contract.md, "The decisions in force").
 */
export function decisionControlRoutes(options: DecisionControlOptions): Route[] {
  const stamps = options.stamps ?? new OperatorStamps();
  const publish = async (
    type: OperatorEventType,
    subject: DecisionSubject,
    request: { actor: string; reason: string; durationMs?: number | undefined },
  ): Promise<ApiResponse> => {
    if (options.publisher === null) {
      throw new ApiError(503, 'operator controls need the events topic: run with Kafka (KAFKA_BROKERS)');
    }
    const listed = (await options.inventory()).servers.find((server) => server.id === subject.server);
    if (listed === undefined && type.startsWith('killswitch.')) {
      throw new ApiError(404, `server ${JSON.stringify(subject.server)} is not in the inventory`);
    }
    const responder =
      listed === undefined ? { fallbackMode: null, killSwitchOwner: null } : responderContextOf(listed);
    const event: OperatorEvent = operatorEvent({
      type,
      subject,
      actor: request.actor,
      reason: request.reason,
      responder,
      stamp: stamps.next(),
      liftMs: request.durationMs ?? null,
    });
    try {
      await options.publisher.publish([event]);
    } catch (error) {
      // Retrying is safe: a second event with the same effect changes nothing once the first did.
      throw new ApiError(503, `the event was not published (${(error as Error).message}): try again`);
    }
    return { status: 202, body: { eventId: event.id, event } };
  };
  const route = (method: 'POST' | 'DELETE', pattern: string, handle: Route['handle']): Route => ({
    method,
    pattern,
    access: 'write',
    maxBodyBytes: MAX_CONTROL_BODY_BYTES,
    handle,
  });
  return [
    route('POST', '/api/v1/decisions/kill-switch', async ({ body }) => {
      const { engaged, ...request } = validBody(killSwitchBody, body);
      const type = engaged ? 'killswitch.engaged' : 'killswitch.released';
      return publish(type, { server: request.server, tool: null }, request);
    }),
    route('POST', '/api/v1/decisions/freeze', async ({ body }) => {
      const request = validBody(freezeBody, body);
      return publish('freeze.set', { server: request.server, tool: request.tool ?? null }, request);
    }),
    route('DELETE', '/api/v1/decisions/freeze', async ({ body }) => {
      const request = validBody(freezeBody, body);
      return publish('freeze.cleared', { server: request.server, tool: request.tool ?? null }, request);
    }),
    route('POST', '/api/v1/decisions/lift', async ({ body }) => {
      const request = validBody(liftBody, body);
      return publish('freeze.lifted', { server: request.server, tool: request.tool ?? null }, request);
    }),
  ];
}
