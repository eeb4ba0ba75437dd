import { timingSafeEqual } from 'node:crypto';

/**
 * Whether an `authorization` value (an HTTP header, gRPC metadata) carries `Bearer <token>`,
 * compared in constant time.
 */
export function bearerTokenMatches(authorization: string | undefined, token: string): boolean {
  const given = Buffer.from(authorization?.startsWith('Bearer ') ? authorization.slice(7) : '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
