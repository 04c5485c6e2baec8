import { randomUUID } from "node:crypto";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import nodemailer, { type SendMailOptions } from "nodemailer";
import type { Env } from "~/env.server";

/** What the outbox hands each message to: a nodemailer transporter fits, and so does a test double. */
export interface MailSender {
  sendMail(message: SendMailOptions): Promise<unknown>;
}

export type MailTransportKind = "smtp" | "file";

export interface MailTransport extends MailSender {
  /** "smtp" with SMTP_URL; otherwise "file": each message is written as an .eml file. */
  kind: MailTransportKind;
  /** The folder .eml files are written to (file transport only). */
  outboxDir: string | null;
  /** One line for the start-up log; never contains the SMTP credentials. */
  description: string;
  /** Close open SMTP connections. */
  close(): void;
}

/**
 * Nodemailer waits minutes by default; a mail stuck that long would outlive
 * the outbox's claim on it and could then be sent twice. Operators can still
 * override these through SMTP_URL's query string (`?socketTimeout=…`).
 */
const SMTP_TIMEOUTS = { connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000 };

/**
 * The way out for e-mail: SMTP when SMTP_URL is set, otherwise .eml files in
 * `<data dir>/outbox/`, so a single-machine install works (and can be tested)
 * without a mail server.
 */
export function createMailTransport(env: Pick<Env, "SMTP_URL" | "dataDir">): MailTransport {
  if (env.SMTP_URL) {
    const transporter = nodemailer.createTransport({
      url: env.SMTP_URL,
      ...SMTP_TIMEOUTS,
      // Messages are built from our own translations: never let one pull in a file or a URL.
      disableFileAccess: true,
      disableUrlAccess: true,
      logger: false,
    });
    return {
      kind: "smtp",
      outboxDir: null,
      description: `E-mails are sent through ${smtpServerName(env.SMTP_URL)}.`,
      sendMail: (message) => transporter.sendMail(message),
      close: () => transporter.close(),
    };
  }

  const outboxDir = path.join(env.dataDir, "outbox");
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  return {
    kind: "file",
    outboxDir,
    description: `No SMTP_URL: e-mails are written to ${outboxDir}${path.sep} as .eml files.`,
    async sendMail(message) {
      const info = await transporter.sendMail({ ...message, disableFileAccess: true, disableUrlAccess: true });
      // The files hold e-mail addresses: only the server's own user may read them.
      await mkdir(outboxDir, { recursive: true, mode: 0o700 });
      await chmod(outboxDir, 0o700);
      // Named by time and a random id, never by recipient: the folder listing reveals nothing.
      const file = path.join(outboxDir, `${new Date().toISOString().replaceAll(":", "-")}-${randomUUID()}.eml`);
      await writeFile(file, info.message as Buffer, { mode: 0o600, flag: "wx" });
      return { file };
    },
    close: () => transporter.close(),
  };
}

/** `smtp://host:port`, without the user name and password. */
function smtpServerName(smtpUrl: string): string {
  const url = new URL(smtpUrl);
  return `${url.protocol}//${url.host}`;
}
