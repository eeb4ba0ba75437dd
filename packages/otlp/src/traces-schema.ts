import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';

/** TracesData from the project's own OTLP schema (proto/trace.proto), parsed once per process. */
export const tracesDataType = protobuf
  .parse(readFileSync(new URL('../proto/trace.proto', import.meta.url), 'utf8'), { keepCase: false })
  .root.lookupType('budgetwatch.otlp.TracesData');
