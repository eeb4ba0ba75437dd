import type { EmailMessage } from '@budgetwatch/alerting';
import nodemailer, { type Transporter } from 'nodemailer';
import { DeliveryError, unrecognisedDeliveryError } from './delivery-error.js';

export interface EmailSinkOptions {
  /** smtp://user:pass@host:port or smtps://... */
  smtpUrl: string;
  from: string;
  /** Per connection attempt and command; a slow server counts as a failure and is retried. */
  timeoutMs?: number;
}

/** What the dispatcher needs from email; EmailSink does it over SMTP. */
export interface EmailSender {
  /** Sends one message; throws a DeliveryError when it does not. */
  send(to: readonly string[], message: EmailMessage): Promise<void>;
  close(): void;
}

/** nodemailer's errors without a reply code: the connection failed, nothing was refused. */
const CONNECTION_ERRORS: Record<string, string> = {
  ECONNECTION: 'connection_failed',
  ESOCKET: 'connection_failed',
  EDNS: 'connection_failed',
  ETLS: 'connection_failed',
  EPROXY: 'connection_failed',
  ETIMEDOUT: 'timeout',
};

/** nodemailer's errors without a reply code that the configuration causes: every attempt meets them. */
const CONFIGURATION_ERRORS: Record<string, string> = {
  EAUTH: 'auth_failed',
  ENOAUTH: 'auth_failed',
  ECONFIG: 'invalid_configuration',
  EENVELOPE: 'invalid_envelope',
};

/**
 * A failed send as a DeliveryError. An SMTP reply decides by its class (RFC 5321): 5xx is
 * permanent (but 503, a bad command sequence, which a new connection clears), 4xx transient; 552
 * refuses the message's size, which a shorter message passes. Without a reply, a connection
 * failure is retriable and a configuration problem permanent.
 */
export function smtpDeliveryError(error: unknown): DeliveryError {
  const { code, responseCode } = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    responseCode?: unknown;
  };
  if (typeof responseCode === 'number') {
    const permanent = responseCode >= 500 && responseCode < 600 && responseCode !== 503;
    return new DeliveryError(
      { reason: `smtp_${responseCode}`, retriable: !permanent, contentRejected: responseCode === 552 },
      { cause: error },
    );
  }
  const connection = typeof code === 'string' ? CONNECTION_ERRORS[code] : undefined;
  if (connection !== undefined) {
    return new DeliveryError(
      { reason: connection, retriable: true, contentRejected: false },
      { cause: error },
    );
  }
  const configuration = typeof code === 'string' ? CONFIGURATION_ERRORS[code] : undefined;
  if (configuration !== undefined) {
    return new DeliveryError(
      { reason: configuration, retriable: false, contentRejected: false },
      { cause: error },
    );
  }
  return unrecognisedDeliveryError(error);
}

/**
 * Email over SMTP with nodemailer. Threading is by Message-ID, In-Reply-To and References, which
 * the renderer builds from Budgetwatch's ids only.
 */
export class EmailSink implements EmailSender {
  private readonly transport: Transporter;

  constructor(private readonly options: EmailSinkOptions) {
    const timeout = options.timeoutMs ?? 10_000;
    const url = new URL(options.smtpUrl);
    const secure = url.protocol === 'smtps:';
    this.transport = nodemailer.createTransport({
      host: url.hostname,
      port: url.port === '' ? (secure ? 465 : 587) : Number(url.port),
      secure,
      ...(url.username === ''
        ? {}
        : { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    });
  }

  async send(to: readonly string[], message: EmailMessage): Promise<void> {
    try {
      await this.transport.sendMail({
        from: this.options.from,
        to: [...to],
        subject: message.subject,
        text: message.text,
        // A plain-text fallback has no HTML part.
        ...(message.html === '' ? {} : { html: message.html }),
        messageId: message.messageId,
        ...(message.inReplyTo === null
          ? {}
          : { inReplyTo: message.inReplyTo, references: [message.inReplyTo] }),
      });
    } catch (error) {
      throw smtpDeliveryError(error);
    }
  }

  close(): void {
    this.transport.close();
  }
}
