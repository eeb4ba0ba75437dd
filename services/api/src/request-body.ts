import type { z } from 'zod';
import { ApiError } from './http-api.js';

/** The body as the schema reads it, or a 400 naming each problem (`field: message; ...`). */
export function validBody<Schema extends z.ZodType>(schema: Schema, body: unknown): z.output<Schema> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new ApiError(
    400,
    parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; '),
  );
}
