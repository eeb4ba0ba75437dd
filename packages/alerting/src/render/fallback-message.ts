/**
 * The minimal plain-text message sent on a channel that refused a full message for its content
 * (Slack's invalid_blocks or msg_too_long, an SMTP server's size limit). It has to pass where the
 * full one did not, so it holds no text from spans: a server id only when it is a short plain
 * token, and otherwise Budgetwatch's own words and ids.
 */
export interface FallbackSubject {
  /** What happened, in Budgetwatch's words: "Budget breached", "Expansion halted"... */
  title: string;
  server: string;
  drill: boolean;
  /** Budgetwatch's ids that find the full story: "incident inc-..., notification inc-.../0". */
  reference: string;
  /** Why the full message was refused (invalid_blocks, msg_too_long, smtp_552). */
  reason: string;
  dashboardUrl: string | null;
}

/** Ids that are safe anywhere: in Slack mrkdwn inside a code span, in an email body. */
const PLAIN_TOKEN = /^[A-Za-z0-9._-]{1,64}$/;

/** The fallback's text: one paragraph, the same for every channel. */
export function plainTextFallback(subject: FallbackSubject): string {
  const server = PLAIN_TOKEN.test(subject.server) ? `\`${subject.server}\`` : 'a server with an unusual id';
  const where =
    subject.dashboardUrl === null
      ? 'Budgetwatch has the details'
      : `the dashboard has the details: ${plainUrl(subject.dashboardUrl)}`;
  return [
    `${subject.drill ? '[DRILL] ' : ''}Budgetwatch: ${subject.title} on server ${server}.`,
    `The full message was refused (${subject.reason}); ${where}.`,
    `See ${subject.reference}.`,
  ].join(' ');
}

/** The operator's dashboard URL, with what Slack mrkdwn would read as markup taken out. */
function plainUrl(url: string): string {
  return url.replace(/[<>&|\s]/g, '');
}
