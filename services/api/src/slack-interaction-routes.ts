import type { Logger } from '@budgetwatch/logger';
import type { SlackActions } from '@budgetwatch/notifier';
import { z } from 'zod';
import { ApiError, type Route } from './http-api.js';
import { slackSignatureProblem } from './slack-signature.js';

/** Slack's block_actions payload, only the fields used; the rest is ignored. */
const blockActionsSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({
    id: z.string().min(1).max(64),
    username: z.string().max(256).optional(),
    name: z.string().max(256).optional(),
  }),
  actions: z
    .array(z.object({ action_id: z.string().max(255), value: z.string().max(2000).optional() }))
    .min(1)
    .max(25),
});

/** A click's payload with the message it came from: Slack's messages stay well below this. */
const MAX_INTERACTION_BYTES = 256 * 1024;

export interface SlackInteractionOptions {
  signingSecret: string;
  actions: SlackActions;
  logger: Logger;
  now?: () => number;
}

/**
 * POST /slack/interactions: the buttons of alert messages (Slack's interactivity request URL).
 * Authenticated by Slack's request signature, not by a bearer token; a request that is unsigned,
 * wrongly signed or signed more than 5 minutes ago gets 401 and changes nothing.
 */
export function slackInteractionRoutes(options: SlackInteractionOptions): Route[] {
  const now = options.now ?? Date.now;
  return [
    {
      method: 'POST',
      pattern: '/slack/interactions',
      access: 'signed',
      raw: true,
      maxBodyBytes: MAX_INTERACTION_BYTES,
      handle: async ({ body, headers }) => {
        const raw = body as Buffer;
        const problem = slackSignatureProblem(headers, raw, options.signingSecret, now());
        if (problem !== null) {
          options.logger.warn({ problem }, 'Slack interaction refused: not signed by Slack');
          return { status: 401, body: { error: 'a valid Slack request signature is required' } };
        }
        const payload = blockActionsSchema.safeParse(parsePayload(raw));
        if (!payload.success) throw new ApiError(400, 'not a block_actions payload');
        const { user, actions } = payload.data;
        for (const action of actions) {
          const outcome = await options.actions.handle({
            actionId: action.action_id,
            value: action.value,
            user: { id: user.id, name: user.username ?? user.name },
          });
          options.logger.info({ action: action.action_id, user: user.id, ...outcome }, 'Slack action');
        }
        // Slack only needs a 200 within 3 seconds; what was done is told in the thread.
        return { status: 200, body: {} };
      },
    },
  ];
}

/** The JSON in a form-encoded `payload=` field, or undefined. */
function parsePayload(raw: Buffer): unknown {
  const text = new URLSearchParams(raw.toString('utf8')).get('payload');
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
