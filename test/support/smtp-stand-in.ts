import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  subject: string;
  messageId: string;
  inReplyTo: string | null;
  references: string[];
  text: string;
  html: string;
  /** Every header line as received, for checking that nothing leaked into headers. */
  headerBlock: string;
}

/**
 * A real SMTP server (the smtp-server package) on a fixed loopback port that keeps what it
 * receives, and can be stopped and started again on the same port to play a mail relay outage.
 */
export class SmtpStandIn {
  readonly received: ReceivedMail[] = [];
  private server: SMTPServer | undefined;

  constructor(readonly port: number) {}

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, _session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          simpleParser(raw)
            .then((mail) => {
              this.received.push(toReceived(mail, raw));
              callback();
            })
            .catch((error: Error) => callback(error));
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function toReceived(mail: ParsedMail, raw: Buffer): ReceivedMail {
  const addresses = (value: ParsedMail['to']) =>
    (Array.isArray(value) ? value : value === undefined ? [] : [value]).flatMap((group) =>
      group.value.map((address) => address.address ?? ''),
    );
  const references =
    mail.references === undefined ? [] : Array.isArray(mail.references) ? mail.references : [mail.references];
  const text = raw.toString('utf8');
  return {
    to: addresses(mail.to),
    subject: mail.subject ?? '',
    messageId: mail.messageId ?? '',
    inReplyTo: mail.inReplyTo ?? null,
    references,
    text: mail.text ?? '',
    html: typeof mail.html === 'string' ? mail.html : '',
    headerBlock: text.slice(0, text.indexOf('\r\n\r\n')),
  };
}
