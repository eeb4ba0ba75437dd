import { describe, expect, it } from 'vitest';
import { tlsConnectionOptions } from './tls-options.js';

describe('tlsConnectionOptions', () => {
  it('reads the PEM files it names', () => {
    const options = tlsConnectionOptions(
      { enabled: true, caFile: '/ca.pem', rejectUnauthorized: true },
      (path) => `pem of ${path}`,
    );
    expect(options).toEqual({ rejectUnauthorized: true, ca: ['pem of /ca.pem'] });
  });

  it('names the setting of a file it cannot read', () => {
    const missing = () => {
      throw new Error("ENOENT: no such file or directory, open '/nope.pem'");
    };
    expect(() =>
      tlsConnectionOptions(
        { enabled: true, caFile: '/nope.pem', rejectUnauthorized: true },
        missing,
        'redis.tls',
      ),
    ).toThrow("cannot read redis.tls.caFile /nope.pem: ENOENT: no such file or directory, open '/nope.pem'");
  });
});
