/**
 * An inventory file's entry for a server that passes the rollout checks, matched to spans by
 * `server.address` (as written in the YAML file a test hands to `BUDGETWATCH_INVENTORY`).
 */
export function inventoryEntry(id: string, tier: number, address: string) {
  return {
    id,
    name: id,
    owner: { team: 'ops', email: 'ops@example.com', slackChannel: '#ops' },
    tier,
    dataSensitivity: 'internal',
    writeCapability: 'none',
    auth: { mode: 'oauth', scopes: ['read'] },
    sharedAdminCredentials: false,
    credentialsSeparated: true,
    match: [{ attribute: 'server.address', equals: address }],
  };
}
