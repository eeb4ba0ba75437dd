/** The commands that run one stage each (what docker-compose.yml runs, one container a stage). */
export const STAGES = [
  { name: 'ingest-worker', summary: 'consume OTLP spans from Kafka into sliding windows in Redis' },
  { name: 'evaluator', summary: 'evaluate the budget rules and emit CloudEvents' },
  { name: 'notifier', summary: 'send Slack and email alerts' },
  {
    name: 'api',
    summary:
      'serve the dashboard, the JSON API, /healthz, /readyz, /metrics and the OTLP intakes (HTTP, gRPC)',
  },
] as const;

export type StageName = (typeof STAGES)[number]['name'];
