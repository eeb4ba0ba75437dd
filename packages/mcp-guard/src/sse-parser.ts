/**
 * An incremental parser of the text/event-stream format (the HTML standard's "Server-sent
 * events" interpretation rules): chunks may split lines, and even a CRLF, anywhere. Pure: text
 * in, events out.
 */
export interface SseEvent {
  /** `message` when the event named none. */
  event: string;
  data: string;
  /** The last event id as of this event (ids persist across events, as in EventSource). */
  id: string;
}

export interface SseParseResult {
  events: SseEvent[];
  /** A `retry:` field's reconnection time, when one came in this chunk. */
  retryMs?: number;
}

/** A line longer than this is an error, not a buffer to grow forever. */
export const MAX_SSE_LINE = 1024 * 1024;

export class SseParser {
  #buffer = '';
  #skipLeadingLf = false;
  #firstChunk = true;
  #eventType = '';
  #data: string[] = [];
  #hasData = false;
  #lastEventId = '';

  constructor(initialLastEventId = '') {
    this.#lastEventId = initialLastEventId;
  }

  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** Parses a chunk; throws when a line exceeds MAX_SSE_LINE. */
  push(chunk: string): SseParseResult {
    let text = chunk;
    if (this.#firstChunk && text.length > 0) {
      this.#firstChunk = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.#skipLeadingLf && text.startsWith('\n')) text = text.slice(1);
    if (text.length > 0) this.#skipLeadingLf = false;
    this.#buffer += text;
    const result: SseParseResult = { events: [] };
    let start = 0;
    for (let i = 0; i < this.#buffer.length; i++) {
      const char = this.#buffer.charCodeAt(i);
      if (char !== 0x0a && char !== 0x0d) continue;
      this.#line(this.#buffer.slice(start, i), result);
      if (char === 0x0d) {
        if (i + 1 < this.#buffer.length) {
          if (this.#buffer.charCodeAt(i + 1) === 0x0a) i += 1;
        } else {
          // A CR at the chunk's end: its LF, if any, opens the next chunk.
          this.#skipLeadingLf = true;
        }
      }
      start = i + 1;
    }
    this.#buffer = this.#buffer.slice(start);
    if (this.#buffer.length > MAX_SSE_LINE) {
      this.#buffer = '';
      throw new Error(`an event stream line exceeds ${MAX_SSE_LINE} characters`);
    }
    return result;
  }

  #line(line: string, result: SseParseResult): void {
    if (line === '') {
      this.#dispatch(result);
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#eventType = value;
        break;
      case 'data':
        this.#data.push(value);
        this.#hasData = true;
        if (this.#data.length > 1 && this.#data.join('\n').length > MAX_SSE_LINE) {
          this.#data = [];
          this.#hasData = false;
          throw new Error(`an event's data exceeds ${MAX_SSE_LINE} characters`);
        }
        break;
      case 'id':
        if (!value.includes('\0')) this.#lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) result.retryMs = Number(value);
        break;
      default:
        break;
    }
  }

  #dispatch(result: SseParseResult): void {
    const type = this.#eventType === '' ? 'message' : this.#eventType;
    const hasData = this.#hasData;
    const data = this.#data.join('\n');
    this.#eventType = '';
    this.#data = [];
    this.#hasData = false;
    if (!hasData) return;
    result.events.push({ event: type, data, id: this.#lastEventId });
  }
}
