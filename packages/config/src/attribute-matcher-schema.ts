import { z } from 'zod';

/** A regular expression, checked to compile. */
export const regexSchema = z.string().refine((text) => {
  try {
    new RegExp(text);
    return true;
  } catch {
    return false;
  }
}, 'not a valid regular expression');

/** A condition on one span or resource attribute (AttributeMatcher), as the inventory and profiles write it. */
export const attributeMatcherSchema = z
  .strictObject({
    attribute: z.string().min(1),
    on: z.enum(['span', 'resource']).default('span'),
    equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
    oneOf: z.array(z.string()).min(1).optional(),
    present: z.boolean().optional(),
    pattern: regexSchema.optional(),
  })
  .refine(
    (matcher) =>
      [matcher.equals, matcher.oneOf, matcher.present, matcher.pattern].filter((v) => v !== undefined)
        .length === 1,
    'exactly one of equals, oneOf, present or pattern',
  );
