import { afterEach, describe, expect, it, vi } from 'vitest';
import { ExportWrites } from './export-writes.js';

/** A sink whose sends the test settles by hand. */
function heldSink() {
  const sends: { resolve: () => void; reject: (error: Error) => void }[] = [];
  return {
    sends,
    sink: {
      send: () =>
        new Promise<void>((resolve, reject) => {
          sends.push({ resolve, reject });
        }),
    },
  };
}

const RECORDS = [new Uint8Array(100)];

afterEach(() => {
  vi.useRealTimers();
});

describe('ExportWrites', () => {
  it('a retry of an export still being written waits for that write instead of writing again', async () => {
    vi.useFakeTimers();
    const { sink, sends } = heldSink();
    const writes = new ExportWrites(sink, { rememberMs: 60_000, maxRemembered: 10 });
    const first = writes.write('k', RECORDS, 5000);
    await vi.advanceTimersByTimeAsync(5000);
    expect(await first).toBe('pending');
    expect(writes.inFlightBytes).toBe(100);
    expect(writes.has('k')).toBe(true);
    const retry = writes.write('k', RECORDS, 5000);
    sends[0]?.resolve();
    expect(await retry).toBe('written');
    expect(sends).toHaveLength(1);
    expect(writes.inFlightBytes).toBe(0);
    // Later retries of the written export are answered from memory too.
    expect(await writes.write('k', RECORDS, 5000)).toBe('written');
    expect(sends).toHaveLength(1);
  });

  it('a failed write is forgotten: the retry writes again', async () => {
    const { sink, sends } = heldSink();
    const writes = new ExportWrites(sink, { rememberMs: 60_000, maxRemembered: 10 });
    const first = writes.write('k', RECORDS, 5000);
    sends[0]?.reject(new Error('broker down'));
    expect(await first).toBe('failed');
    expect(writes.has('k')).toBe(false);
    const retry = writes.write('k', RECORDS, 5000);
    sends[1]?.resolve();
    expect(await retry).toBe('written');
    expect(sends).toHaveLength(2);
  });

  it('forgets written exports after its memory, and the oldest beyond its size', async () => {
    let now = 0;
    const sink = { send: async () => undefined };
    const writes = new ExportWrites(sink, { rememberMs: 1000, maxRemembered: 2, now: () => now });
    await writes.write('a', RECORDS, 100);
    now = 500;
    await writes.write('b', RECORDS, 100);
    await writes.write('c', RECORDS, 100);
    expect(writes.has('a')).toBe(false);
    expect(writes.has('b')).toBe(true);
    now = 1600;
    expect(writes.has('b')).toBe(false);
    expect(writes.has('c')).toBe(false);
  });
});
