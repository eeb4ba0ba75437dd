export type DecodeFailure = 'empty_record' | 'invalid_protobuf' | 'invalid_json' | 'not_otlp_traces';

/** A record that is not OTLP trace data; it goes to the dead-letter topic with this reason. */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
  constructor(
    readonly reason: DecodeFailure,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}
