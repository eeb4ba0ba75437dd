import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { exportResponseBytes, rpcStatusBytes } from './otlp-status.js';

/** The fields of a message as (number, bytes-or-varint) pairs, in order. */
function fields(bytes: Uint8Array): [number, Uint8Array | number][] {
  const reader = protobuf.Reader.create(bytes);
  const read: [number, Uint8Array | number][] = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    read.push([tag >>> 3, (tag & 7) === 2 ? reader.bytes() : Number(reader.int64())]);
  }
  return read;
}

const text = (value: Uint8Array | number | undefined) => Buffer.from(value as Uint8Array).toString('utf8');

describe('google.rpc.Status', () => {
  it('holds the code and the message, and no details without a retry delay', () => {
    expect(fields(rpcStatusBytes(3, 'not OTLP trace data'))).toEqual([
      [1, 3],
      [2, Buffer.from('not OTLP trace data')],
    ]);
  });

  it('carries a google.rpc.RetryInfo with the delay in seconds when asked to', () => {
    const [code, message, details] = fields(rpcStatusBytes(14, 'retry', 5));
    expect(code).toEqual([1, 14]);
    expect(text(message?.[1])).toBe('retry');
    expect(details?.[0]).toBe(3);
    const [typeUrl, value] = fields(details?.[1] as Uint8Array);
    expect(text(typeUrl?.[1])).toBe('type.googleapis.com/google.rpc.RetryInfo');
    const [retryDelay] = fields(value?.[1] as Uint8Array);
    expect(retryDelay?.[0]).toBe(1);
    expect(fields(retryDelay?.[1] as Uint8Array)).toEqual([[1, 5]]);
  });
});

describe('ExportTraceServiceResponse', () => {
  it('is empty when every span was kept (partial_success left unset)', () => {
    expect(exportResponseBytes(0, '')).toHaveLength(0);
  });

  it('sets partial_success with the rejected spans and the message otherwise', () => {
    const [partial] = fields(exportResponseBytes(2, 'attribute_nesting: too deep'));
    expect(partial?.[0]).toBe(1);
    expect(fields(partial?.[1] as Uint8Array)).toEqual([
      [1, 2],
      [2, Buffer.from('attribute_nesting: too deep')],
    ]);
  });
});
