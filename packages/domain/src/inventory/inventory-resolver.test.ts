import { describe, expect, it } from 'vitest';
import { compliantTier2 } from './inventory.fixtures.js';
import { inventoryResolver } from './inventory-resolver.js';

describe('inventoryResolver', () => {
  const resolve = inventoryResolver({
    servers: [
      compliantTier2({
        id: 'payments-mcp',
        match: [{ attribute: 'server.address', equals: 'payments.internal' }],
      }),
      compliantTier2({
        id: 'search-mcp',
        match: [
          { attribute: 'service.name', on: 'resource', equals: 'search' },
          { attribute: 'deployment.environment', on: 'resource', equals: 'production' },
        ],
      }),
      compliantTier2({ id: 'docs-mcp', match: [] }),
    ],
  });

  it('uses the first server whose match rules all hold', () => {
    expect(resolve({ 'server.address': 'payments.internal' }, {}, 'payments.internal')).toBe('payments-mcp');
    expect(resolve({}, { 'service.name': 'search', 'deployment.environment': 'production' }, 'x')).toBe(
      'search-mcp',
    );
    expect(
      resolve({}, { 'service.name': 'search', 'deployment.environment': 'staging' }, 'x'),
    ).toBeUndefined();
  });

  it('falls back to the derived id when it is a registered id; otherwise the span is unregistered', () => {
    expect(resolve({}, {}, 'docs-mcp')).toBe('docs-mcp');
    expect(resolve({}, {}, 'shadow-mcp')).toBeUndefined();
  });
});
