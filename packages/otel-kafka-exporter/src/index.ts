export { KafkaSpanExporter, type KafkaSpanExporterOptions } from './kafka-span-exporter.js';
export {
  SpanTooLargeError,
  type TraceMessage,
  type TraceMessageOptions,
  traceMessages,
} from './trace-messages.js';
