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
  /** When the server accepted it (ms since the epoch). */
  receivedAt: number;
}

/**
 * A real SMTP server (the smtp-server package) on a fixed loopback port that keeps what it
 * receives, can be stopped and started again on the same port to play a mail relay outage, and can
 * refuse recipients with a reply code (550: no such mailbox) as a relay does.
 */
export class SmtpStandIn {
  readonly received: ReceivedMail[] = [];
  private server: SMTPServer | undefined;
  private readonly refusedRecipients = new Map<string, number>();

  constructor(readonly port: number) {}

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** RCPT TO this address is answered with `responseCode` (a 5xx refuses it for good, a 4xx for now). */
  refuseRecipient(address: string, responseCode = 550): void {
    this.refusedRecipients.set(address, responseCode);
  }

  async start(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        const responseCode = this.refusedRecipients.get(address.address);
        if (responseCode === undefined) return callback();
        callback(Object.assign(new Error(`mailbox ${address.address} refused`), { responseCode }));
      },
      onData: (stream, _session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          simpleParser(raw)
            .then((mail) => {
              this.received.push({ ...toReceived(mail, raw), receivedAt: Date.now() });
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

function toReceived(mail: ParsedMail, raw: Buffer): Omit<ReceivedMail, 'receivedAt'> {
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
