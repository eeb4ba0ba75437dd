/** A CloudEvents 1.0 event in structured JSON mode, as written to budgetwatch.events. */
export interface CloudEvent<Data, Type extends string = string> {
  specversion: '1.0';
  /** Deterministic: the same transition always has the same id, so consumers can deduplicate. */
  id: string;
  source: string;
  /** `budgetwatch.<suffix>`: it says what `data` holds (see BudgetwatchEvent). */
  type: Type;
  /** The series: `<server>` for a server rollup, `<server>/<tool>` for a tool. */
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: Data;
}
