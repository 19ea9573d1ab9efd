/**
 * A real SMTP server on loopback (smtp-server) that parses what it receives
 * (mailparser), for the notification tests. It can be taken down and brought
 * back on the same port, and can hold the answer to one message.
 */
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  messageId: string;
  envelopeTo: string[];
  to: string;
  subject: string;
  text: string;
  html: string;
  raw: string;
  parsed: ParsedMail;
}

export interface TestSmtp {
  url: string;
  port: number;
  mails: ReceivedMail[];
  /** Resolves once `n` mails have arrived in total. */
  waitFor(n: number): Promise<void>;
  /** Mails to one address. */
  to(address: string): ReceivedMail[];
  /** Holds the SMTP answer to the mail that brings the total to `total` (after recording it) until `release()`. */
  holdAt(total: number): Promise<void>;
  release(): void;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startSmtp(fixedPort = 0): Promise<TestSmtp> {
  const mails: ReceivedMail[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  let hold: { total: number; reached: () => void; released: Promise<void> } | null = null;

  const make = () => {
    const smtpServer = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          simpleParser(raw)
            .then(async (parsed) => {
              mails.push({
                messageId: parsed.messageId ?? '',
                envelopeTo: session.envelope.rcptTo.map((r) => r.address),
                to: Array.isArray(parsed.to) ? parsed.to.map((a) => a.text).join(', ') : (parsed.to?.text ?? ''),
                subject: parsed.subject ?? '',
                text: parsed.text ?? '',
                html: typeof parsed.html === 'string' ? parsed.html : '',
                raw,
                parsed,
              });
              for (const w of waiters.filter((x) => mails.length >= x.n)) {
                waiters.splice(waiters.indexOf(w), 1);
                w.resolve();
              }
              const h = hold;
              if (h && mails.length === h.total) {
                hold = null;
                h.reached();
                await h.released;
              }
              callback();
            })
            .catch((err: Error) => callback(err));
        });
      },
    });
    // A client that drops its connection (a worker killed mid-session) is not this server's failure.
    smtpServer.on('error', () => undefined);
    return smtpServer;
  };

  let server = make();
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.server.address() as AddressInfo).port));
    });
  const port = await listen(fixedPort);
  let isUp = true;

  const smtp: TestSmtp = {
    url: `smtp://127.0.0.1:${port}`,
    port,
    mails,
    waitFor(n) {
      if (mails.length >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    to: (address) => mails.filter((m) => m.envelopeTo.includes(address)),
    holdAt(total) {
      return new Promise<void>((reached) => {
        let release = () => {};
        const released = new Promise<void>((r) => (release = r));
        hold = { total, reached, released };
        smtp.release = release;
      });
    },
    release: () => {},
    async down() {
      if (!isUp) return;
      isUp = false;
      await new Promise<void>((r) => server.close(() => r()));
    },
    async up() {
      if (isUp) return;
      server = make();
      await listen(port);
      isUp = true;
    },
    close: () => smtp.down(),
  };
  return smtp;
}
