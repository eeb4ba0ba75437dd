import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { toAttributes, toOtlpSpan, type WireKeyValue, type WireSpan } from './decode-protobuf.js';
import type { Attributes, OtlpSpan } from './otlp-span.js';
import type { SpanUnit } from './span-units.js';
import { tracesDataType } from './traces-schema.js';

/** Why a span cannot be read at all (a span that reads but is invalid is for the worker to count). */
export type SpanUnitFailure = 'attribute_nesting' | 'undecodable_span';

const strictSpan = tracesDataType.root.lookupType('budgetwatch.otlp.Span');
const strictResource = tracesDataType.root.lookupType('budgetwatch.otlp.ResourceSpans');

/**
 * The same schema with every `string` read as `bytes`: what a span with invalid UTF-8 decodes with,
 * so its text can be repaired (U+FFFD) instead of the span, or its whole record, being lost.
 */
const lenientRoot = protobuf.parse(
  readFileSync(new URL('../proto/trace.proto', import.meta.url), 'utf8').replace(/\bstring\b/g, 'bytes'),
  { keepCase: false },
).root;
const lenientSpan = lenientRoot.lookupType('budgetwatch.otlp.Span');
const lenientResource = lenientRoot.lookupType('budgetwatch.otlp.ResourceSpans');
/** Fields that are bytes in the real schema too: never turned into text. */
const BYTES_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId', 'bytesValue']);

export type DecodedUnit =
  | {
      ok: true;
      span: OtlpSpan /** Span bytes with their text repaired, when it needed it. */;
      repaired: Uint8Array | null;
    }
  | { ok: false; reason: SpanUnitFailure; detail: string };

/** Decodes the spans of one request or record, each on its own; resources are decoded once. */
export class SpanUnitDecoder {
  private readonly resources = new Map<Uint8Array, Attributes>();

  decode(unit: SpanUnit): DecodedUnit {
    let resource: Attributes;
    try {
      resource = this.resourceOf(unit.resource);
    } catch (error) {
      return failure(error);
    }
    try {
      return {
        ok: true,
        span: toOtlpSpan(strictSpan.decode(unit.span) as unknown as WireSpan, resource),
        repaired: null,
      };
    } catch (error) {
      if (!isUtf8Error(error)) return failure(error);
    }
    try {
      const wire = repairText(lenientSpan.decode(unit.span)) as unknown as WireSpan;
      const repaired = strictSpan
        .encode(strictSpan.fromObject(wire as unknown as Record<string, unknown>))
        .finish();
      return { ok: true, span: toOtlpSpan(wire, resource), repaired };
    } catch (error) {
      return failure(error);
    }
  }

  private resourceOf(bytes: Uint8Array): Attributes {
    let attributes = this.resources.get(bytes);
    if (attributes === undefined) {
      let wire: { resource?: { attributes?: WireKeyValue[] } | null };
      try {
        wire = strictResource.decode(bytes) as unknown as typeof wire;
      } catch (error) {
        if (!isUtf8Error(error)) throw error;
        wire = repairText(lenientResource.decode(bytes)) as unknown as typeof wire;
      }
      attributes = toAttributes(wire.resource?.attributes ?? []);
      this.resources.set(bytes, attributes);
    }
    return attributes;
  }
}

function isUtf8Error(error: unknown): boolean {
  return error instanceof Error && /utf-?8/i.test(error.message);
}

function failure(error: unknown): DecodedUnit {
  const detail = error instanceof Error ? error.message : String(error);
  return { ok: false, reason: /max depth/.test(detail) ? 'attribute_nesting' : 'undecodable_span', detail };
}

/** A lenient decode with its text back as strings, invalid UTF-8 sequences as U+FFFD. */
function repairText(value: unknown, key?: string): unknown {
  if (value instanceof Uint8Array) {
    return key !== undefined && BYTES_FIELDS.has(key) ? value : Buffer.from(value).toString('utf8');
  }
  if (Array.isArray(value)) return value.map((item) => repairText(item));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [field, inner] of Object.entries(value)) out[field] = repairText(inner, field);
  // protobufjs tells a oneof's chosen field by name in `value`; keep it.
  if ('value' in value && typeof (value as { value: unknown }).value === 'string') {
    out.value = (value as { value: string }).value;
  }
  return out;
}
