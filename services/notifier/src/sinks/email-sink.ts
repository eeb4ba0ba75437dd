import type { EmailMessage } from '@budgetwatch/alerting';
import nodemailer, { type Transporter } from 'nodemailer';

export interface EmailSinkOptions {
  /** smtp://user:pass@host:port or smtps://... */
  smtpUrl: string;
  from: string;
  /** Per connection attempt and command; a slow server counts as a failure and is retried. */
  timeoutMs?: number;
}

/**
 * Email over SMTP with nodemailer. Threading is by Message-ID, In-Reply-To and References, which
 * the renderer builds from Budgetwatch's ids only.
 */
export class EmailSink {
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
    await this.transport.sendMail({
      from: this.options.from,
      to: [...to],
      subject: message.subject,
      text: message.text,
      html: message.html,
      messageId: message.messageId,
      ...(message.inReplyTo === null
        ? {}
        : { inReplyTo: message.inReplyTo, references: [message.inReplyTo] }),
    });
  }

  close(): void {
    this.transport.close();
  }
}
