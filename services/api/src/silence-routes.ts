import { SilenceError, type SilenceStore } from '@budgetwatch/notifier';
import { z } from 'zod';
import { ApiError, type Route } from './http-api.js';
import { type CursorKey, pageOf, pageRequest, sortedByKey } from './paging.js';
import { validBody } from './request-body.js';

const newSilenceSchema = z.strictObject({
  matchers: z.strictObject({
    server: z.string().min(1).optional(),
    tool: z.string().min(1).optional(),
    rule: z.string().min(1).optional(),
    tier: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
  }),
  startsAt: z.iso.datetime().optional(),
  endsAt: z.iso.datetime(),
  createdBy: z.string().min(1),
  comment: z.string().min(1),
});

/** A page of the silence list: active first, then pending, then expired, each by end. */
const SILENCES_PAGE = { defaultLimit: 100, maxLimit: 1000 } as const;
const STATE_ORDER = { active: 0, pending: 1, expired: 2 } as const;
const silenceKey = (silence: { state: keyof typeof STATE_ORDER; endsAt: string; id: string }): CursorKey => [
  STATE_ORDER[silence.state],
  silence.endsAt,
  silence.id,
];

/** GET, POST /api/v1/silences and DELETE /api/v1/silences/:id (expire). */
export function silenceRoutes(silences: SilenceStore): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/api/v1/silences',
      access: 'read',
      handle: async ({ query }) => {
        const { items, next } = pageOf(
          sortedByKey(await silences.list(), silenceKey),
          silenceKey,
          pageRequest(query, SILENCES_PAGE),
        );
        return { status: 200, body: { silences: items, next } };
      },
    },
    {
      method: 'POST',
      pattern: '/api/v1/silences',
      access: 'write',
      handle: async ({ body }) => {
        const silence = validBody(newSilenceSchema, body);
        try {
          const { startsAt, ...rest } = silence;
          return {
            status: 201,
            body: await silences.create(startsAt === undefined ? rest : { ...rest, startsAt }),
          };
        } catch (error) {
          if (error instanceof SilenceError) throw new ApiError(400, error.message);
          throw error;
        }
      },
    },
    {
      method: 'DELETE',
      pattern: '/api/v1/silences/:id',
      access: 'write',
      handle: async ({ params }) => {
        try {
          return { status: 200, body: await silences.expire(params.id ?? '') };
        } catch (error) {
          if (error instanceof SilenceError) throw new ApiError(404, error.message);
          throw error;
        }
      },
    },
  ];
}
