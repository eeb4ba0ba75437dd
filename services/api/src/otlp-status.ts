import protobuf from 'protobufjs';

/** google.rpc.Code values of the Status bodies OTLP/HTTP answers carry. */
export const RpcCode = { INVALID_ARGUMENT: 3, UNIMPLEMENTED: 12 } as const;

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * A google.rpc.Status as protobuf bytes. With `retryAfterSeconds`, its details hold a
 * google.rpc.RetryInfo: OTLP/gRPC exporters wait that long before they retry.
 */
export function rpcStatusBytes(code: number, message: string, retryAfterSeconds?: number): Buffer {
  const status = protobuf.Writer.create().uint32(8).int32(code).uint32(18).string(message);
  if (retryAfterSeconds !== undefined) {
    const delay = protobuf.Writer.create().uint32(8).int64(retryAfterSeconds).finish();
    const retryInfo = protobuf.Writer.create().uint32(10).bytes(delay).finish();
    const any = protobuf.Writer.create()
      .uint32(10)
      .string(RETRY_INFO_TYPE)
      .uint32(18)
      .bytes(retryInfo)
      .finish();
    status.uint32(26).bytes(any);
  }
  return Buffer.from(status.finish());
}

/**
 * An ExportTraceServiceResponse as protobuf bytes: empty when every span was kept, else its
 * partial_success says how many spans were refused and why (the exporter must not retry those).
 */
export function exportResponseBytes(rejectedSpans: number, errorMessage: string): Buffer {
  if (rejectedSpans === 0) return Buffer.alloc(0);
  const partial = protobuf.Writer.create()
    .uint32(8)
    .int64(rejectedSpans)
    .uint32(18)
    .string(errorMessage)
    .finish();
  return Buffer.from(protobuf.Writer.create().uint32(10).bytes(partial).finish());
}
