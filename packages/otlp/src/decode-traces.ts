import { OtlpDecodeError } from './decode-error.js';
import { decodeJsonTraces } from './decode-json.js';
import { decodeProtobufTraces } from './decode-protobuf.js';
import { detectEncoding } from './detect-encoding.js';
import type { OtlpSpan } from './otlp-span.js';
import { SpanUnitDecoder, type SpanUnitFailure } from './span-unit-decoder.js';
import { encodeSpanUnits, protobufSpanUnits, type SpanUnit } from './span-units.js';

/**
 * Decodes one Kafka record holding an OTLP TracesData, in either encoding, all or nothing.
 * Throws OtlpDecodeError for anything that is not trace data.
 */
export function decodeTraces(bytes: Uint8Array | null | undefined, contentType?: string): OtlpSpan[] {
  if (bytes === null || bytes === undefined || bytes.length === 0) {
    throw new OtlpDecodeError('empty_record', 'the record has no value');
  }
  return detectEncoding(bytes, contentType) === 'otlp_json'
    ? decodeJsonTraces(bytes)
    : decodeProtobufTraces(bytes);
}

/** Spans of a record that could not be read, as a TracesData of their own, with why. */
export interface UnreadableSpans {
  reason: SpanUnitFailure;
  detail: string;
  count: number;
  bytes: Uint8Array;
}

/** A record's spans, and those of its spans that could not be read (the rest are kept). */
export interface DecodedRecord {
  spans: OtlpSpan[];
  unreadable: UnreadableSpans[];
}

/**
 * Decodes one record, keeping the good spans of a record that holds bad ones: a protobuf record
 * that does not read whole is read span by span; text with invalid UTF-8 is repaired (U+FFFD);
 * a span that still cannot be read is set apart with the reason. Throws OtlpDecodeError when
 * nothing of the record reads.
 */
export function decodeTraceRecord(bytes: Uint8Array | null | undefined, contentType?: string): DecodedRecord {
  try {
    return { spans: decodeTraces(bytes, contentType), unreadable: [] };
  } catch (error) {
    if (!(error instanceof OtlpDecodeError) || error.reason !== 'invalid_protobuf' || !bytes) throw error;
    let units: SpanUnit[];
    try {
      units = protobufSpanUnits(bytes);
    } catch {
      throw error;
    }
    const decoder = new SpanUnitDecoder();
    const spans: OtlpSpan[] = [];
    const failed = new Map<SpanUnitFailure, { detail: string; units: SpanUnit[] }>();
    for (const unit of units) {
      const decoded = decoder.decode(unit);
      if (decoded.ok) spans.push(decoded.span);
      else {
        const entry = failed.get(decoded.reason) ?? { detail: decoded.detail, units: [] };
        entry.units.push(unit);
        failed.set(decoded.reason, entry);
      }
    }
    if (spans.length === 0) throw error;
    const unreadable = [...failed].map(([reason, { detail, units: bad }]) => ({
      reason,
      detail,
      count: bad.length,
      bytes: encodeSpanUnits(bad),
    }));
    return { spans, unreadable };
  }
}
