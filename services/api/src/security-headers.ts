/**
 * The headers every response carries. The dashboard page may load its own script, style sheet and
 * data, and set style attributes (its gauges); nothing else, and no page may frame it. Everything
 * else (JSON, metrics, OTLP) is data that a browser must never run or render as a page.
 */
const DASHBOARD_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "style-src-attr 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
const DATA_POLICY = "default-src 'none'; frame-ancestors 'none'";

export function securityHeaders(contentType: string | undefined): Record<string, string> {
  return {
    'content-security-policy': contentType?.startsWith('text/html') ? DASHBOARD_POLICY : DATA_POLICY,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  };
}
