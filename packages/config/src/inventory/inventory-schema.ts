import { type Inventory, type InventoryServer, UNATTRIBUTED_SERVER } from '@budgetwatch/domain';
import { z } from 'zod';
import { attributeMatcherSchema } from '../attribute-matcher-schema.js';

const optionalText = z.string().trim().min(1).nullable().default(null);

const serverSchema = z.strictObject({
  id: z
    .string()
    .min(1)
    .max(200)
    .refine(
      (id) => id !== UNATTRIBUTED_SERVER,
      `${UNATTRIBUTED_SERVER} is reserved for calls no server is named for`,
    ),
  name: z.string().min(1).optional(),
  owner: z
    .strictObject({
      team: z.string().trim().min(1),
      email: z.email().nullable().default(null),
      slackChannel: z.string().min(1).nullable().default(null),
    })
    .nullable()
    .default(null),
  tier: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  dataSensitivity: z.enum(['public', 'internal', 'confidential', 'restricted']),
  writeCapability: z.enum(['none', 'limited', 'full']),
  auth: z.strictObject({
    mode: z.enum(['none', 'static_token', 'oauth', 'mtls']),
    scopes: z.array(z.string().min(1)).default([]),
  }),
  sharedAdminCredentials: z.boolean(),
  credentialsSeparated: z.boolean(),
  downstreamImpact: optionalText,
  killSwitch: z
    .strictObject({
      owner: optionalText,
      lastTestedAt: z
        .union([z.iso.date(), z.iso.datetime({ offset: true })])
        .nullable()
        .default(null),
    })
    .prefault({}),
  fallbackMode: optionalText,
  maxBlastRadius: optionalText,
  recoveryChecklist: z.array(z.string().trim().min(1)).default([]),
  match: z.array(attributeMatcherSchema).default([]),
});

export const inventorySchema = z
  .strictObject({ servers: z.array(serverSchema) })
  .superRefine((inventory, context) => {
    const seen = new Set<string>();
    inventory.servers.forEach((server, index) => {
      if (seen.has(server.id)) {
        context.addIssue({
          code: 'custom',
          path: ['servers', index, 'id'],
          message: `duplicate server id ${server.id}`,
        });
      }
      seen.add(server.id);
    });
  });

export function toInventory(parsed: z.infer<typeof inventorySchema>): Inventory {
  return {
    servers: parsed.servers.map(
      (server): InventoryServer => ({
        ...server,
        name: server.name ?? server.id,
        killSwitch: {
          owner: server.killSwitch.owner,
          lastTestedAt:
            server.killSwitch.lastTestedAt === null
              ? null
              : new Date(server.killSwitch.lastTestedAt).toISOString(),
        },
        match: server.match.map(({ on, ...matcher }) => ({ ...matcher, on })),
      }),
    ),
  };
}
