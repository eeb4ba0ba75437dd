import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A Collector JSON Lines capture: an AI SDK agent with Traceloop, HTTP and chat spans, a Shinzo server. */
export const AGENT_CAPTURE = join(import.meta.dirname, '../fixtures/agent-capture.jsonl');

/**
 * The capture's exports (one per line, as the Collector wrote them) with every time moved so its
 * latest span ended a second ago: a live intake takes it as fresh traffic.
 */
export function freshCaptureExports(nowMs = Date.now()): string[] {
  const lines = readFileSync(AGENT_CAPTURE, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  let latest = 0n;
  for (const match of lines.join('\n').matchAll(/"endTimeUnixNano":"(\d+)"/g)) {
    const end = BigInt(match[1] ?? 0);
    if (end > latest) latest = end;
  }
  const shift = BigInt(nowMs - 1000) * 1_000_000n - latest;
  return lines.map((line) =>
    line.replace(/"(start|end)TimeUnixNano":"(\d+)"/g, (_, which: string, nanos: string) => {
      return `"${which}TimeUnixNano":"${BigInt(nanos) + shift}"`;
    }),
  );
}

/** Posts each export to an OTLP/HTTP intake as JSON. */
export async function sendCapture(intakeUrl: string): Promise<void> {
  for (const body of freshCaptureExports()) {
    const response = await fetch(intakeUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    if (!response.ok) throw new Error(`intake answered ${response.status}: ${await response.text()}`);
  }
}
