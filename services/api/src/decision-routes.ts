import type { DecisionFeed, SubjectDecisions } from '@budgetwatch/events';
import type { DecisionStreams } from './decision-streams.js';
import { ApiError, type Route } from './http-api.js';
import { type CursorKey, pageOf, pageRequest } from './paging.js';
import { lastEventId } from './server-sent-events.js';

/** The decisions in force as this process sees them, and whether it can serve them yet. */
export interface DecisionSource {
  feed: DecisionFeed;
  /** Why the feed cannot be served (not read to the end yet, no topic), or null when it can. */
  unavailable(): string | null;
}

const DECISIONS_PAGE = { defaultLimit: 500, maxLimit: 5000 } as const;
const subjectKey = (subject: SubjectDecisions): CursorKey => [subject.key];

/**
 * GET /api/v1/decisions (a page of the subjects with a decision in force, and the feed's version)
 * and GET /api/v1/decisions/stream (Server-Sent Events that resume from Last-Event-ID), as
 * docs/policy-engines.md describes. Both take the read token.
 */
export function decisionRoutes(source: DecisionSource, streams: DecisionStreams): Route[] {
  const available = () => {
    const reason = source.unavailable();
    if (reason !== null) throw new ApiError(503, reason);
  };
  return [
    {
      method: 'GET',
      pattern: '/api/v1/decisions',
      access: 'read',
      handle: async ({ query }) => {
        available();
        const version = source.feed.version;
        const { items, next } = pageOf(
          source.feed.current(serverParameter(query)),
          subjectKey,
          pageRequest(query, DECISIONS_PAGE),
        );
        return { status: 200, body: { version, decisions: items, nextCursor: next } };
      },
    },
    {
      method: 'GET',
      pattern: '/api/v1/decisions/stream',
      access: 'read',
      handle: async ({ query, headers }) => {
        available();
        if (streams.full) {
          throw new ApiError(
            503,
            'too many decision streams open; retry later or follow the decisions topic',
          );
        }
        const after = lastEventId(headers['last-event-id'], query.get('lastEventId'));
        const server = serverParameter(query);
        return {
          status: 200,
          body: null,
          headers: { 'content-type': 'text/event-stream; charset=utf-8', 'x-accel-buffering': 'no' },
          stream: (response) => streams.open(response, after, server),
        };
      },
    },
  ];
}

function serverParameter(query: URLSearchParams): string | undefined {
  const server = query.get('server');
  if (server === null) return undefined;
  if (server === '' || server.length > 512) throw new ApiError(400, 'server: 1 to 512 characters');
  return server;
}
