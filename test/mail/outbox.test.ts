import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { SMTPServer } from "smtp-server";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it, vi } from "vitest";
import type { Services } from "~/context";
import { loadEnv } from "~/env.server";
import { enqueueMail, MAX_ATTEMPTS, processOutbox, RETRY_DELAYS_MS, startOutboxWorker } from "~/mail/outbox.server";
import { createMailTransport, type MailTransport } from "~/mail/transport.server";
import { createServices } from "~/services.server";
import { describeEachDatabase } from "../support/databases";

/**
 * The outbox against a real SMTP server (smtp-server on a free local port):
 * what arrives, in which language, what it never says, and how failures are
 * retried without ever sending a mail twice.
 */

const PUBLIC_URL = "https://portal.example.org";
const START = new Date("2026-12-01T10:00:00.000Z");

// Words that would reveal what the request is about, in English and in the translations' own terms.
const REVEALING = [
  ...["abuse", "sexual", "image", "picture", "photo", "video", "victim", "child", "csam", "removal", "remove", "exploitation", "reclaim"],
  ...["misbruik", "seksue", "beeld", "foto", "slachtoffer", "kind", "verwijder", "uitbuiting"],
  ...["abus", "sexuel", "victime", "enfant", "pédo", "retir", "exploitation"],
  ...["اعتداء", "إساءة", "جنس", "صور", "فيديو", "ضحي", "طفل", "أطفال", "استغلال", "إزالة"],
];

const mailJson = (lng: string) =>
  JSON.parse(readFileSync(path.resolve("locales", lng, "mail.json"), "utf8")) as { update: { subject: string; body: string } };

// ---- a real SMTP server ------------------------------------------------------------

interface Received {
  rcptTo: string[];
  raw: string;
  headers: Record<string, string>;
  subject: string;
  text: string;
}

interface TestSmtp {
  port: number;
  received: Received[];
  /** When set, every recipient is refused with 550 and a reply that quotes the address. */
  reject: boolean;
  close(): Promise<void>;
}

async function startSmtp(): Promise<TestSmtp> {
  const state: TestSmtp = { port: 0, received: [], reject: false, close: async () => undefined };
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (!state.reject) return callback();
      callback(Object.assign(new Error(`<${address.address}>: mailbox unavailable`), { responseCode: 550 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        state.received.push({ rcptTo: session.envelope.rcptTo.map((a) => a.address), raw, ...parseMessage(raw) });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.port = (server.server.address() as AddressInfo).port;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}

// ---- just enough MIME to read a single-part message -----------------------------------

function parseMessage(raw: string): { headers: Record<string, string>; subject: string; text: string } {
  const split = raw.search(/\r?\n\r?\n/);
  const head = raw.slice(0, split).replace(/\r?\n[ \t]+/g, " ");
  const body = raw.slice(split).replace(/^\r?\n\r?\n/, "");
  const headers: Record<string, string> = {};
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const encoding = (headers["content-transfer-encoding"] ?? "7bit").toLowerCase();
  const text =
    encoding === "base64"
      ? Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8")
      : encoding === "quoted-printable"
        ? decodeQuotedPrintable(body)
        : body;
  return { headers, subject: decodeWords(headers.subject ?? ""), text: text.replace(/\r\n/g, "\n").trim() };
}

function decodeQuotedPrintable(text: string): string {
  const bytes = text.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_, hex: string) => `%${hex}`);
  return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, "%25"));
}

/** RFC 2047 encoded words (the whitespace between two of them is not part of the text). */
function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, "$1$2")
    .replace(/=\?([^?]+)\?([BQ])\?([^?]*)\?=/gi, (_, _charset: string, kind: string, data: string) =>
      kind.toUpperCase() === "B"
        ? Buffer.from(data, "base64").toString("utf8")
        : decodeQuotedPrintable(data.replace(/_/g, " ")),
    );
}

// ---- the tests -------------------------------------------------------------------

describeEachDatabase("outbox", (database) => {
  let smtp: TestSmtp;
  let dataDir: string;
  let clock: Date;
  let services: Services;
  let transport: MailTransport;

  const row = (id: string) => services.db.selectFrom("outbox").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
  const later = (ms: number) => {
    clock = new Date(clock.getTime() + ms);
  };

  beforeAll(async () => {
    smtp = await startSmtp();
    dataDir = mkdtempSync(path.join(tmpdir(), "reclaim-mail-"));
    const env = loadEnv({
      NODE_ENV: "test",
      RECLAIM_DATA_DIR: dataDir,
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      MAIL_FROM: "Portal <no-reply@portal.example.org>",
      PUBLIC_URL,
      LOG_LEVEL: "silent",
    });
    const { db, kind } = database();
    services = createServices(env, { db, dbKind: kind, now: () => new Date(clock) });
    transport = createMailTransport(env);
  });

  afterAll(async () => {
    transport?.close();
    await smtp?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await services.db.deleteFrom("outbox").execute();
    smtp.received.length = 0;
    smtp.reject = false;
    clock = START;
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("uses SMTP when SMTP_URL is set, and names the server without its credentials", () => {
    expect(transport.kind).toBe("smtp");
    const withPassword = createMailTransport({ SMTP_URL: "smtps://mailer:s3cret@mail.example.org:465", dataDir });
    expect(withPassword.description).toBe("E-mails are sent through smtps://mail.example.org:465.");
    withPassword.close();
  });

  it("stores the recipient encrypted, due at once", async () => {
    const { id } = await enqueueMail(services, { to: "person@example.net", template: "update", language: "nl" });
    const stored = await row(id);
    expect(JSON.stringify(stored)).not.toContain("person");
    expect(JSON.stringify(stored)).not.toContain("example.net");
    expect(services.vault.decrypt(stored.recipient_enc, "outbox.recipient_enc")).toBe("person@example.net");
    expect(stored).toMatchObject({
      template: "update",
      language: "nl",
      status: "pending",
      attempts: 0,
      next_attempt_at: START.toISOString(),
      created_at: START.toISOString(),
      sent_at: null,
      last_error: null,
    });
  });

  it("refuses an unknown template or something that is not an address, without echoing it", async () => {
    await expect(enqueueMail(services, { to: "person@example.net", template: "nope", language: "en" })).rejects.toThrow(/template/);
    await expect(enqueueMail(services, { to: "not an address", template: "update", language: "en" })).rejects.toThrow(
      /^(?!.*not an address).*$/,
    );
    expect(await services.db.selectFrom("outbox").selectAll().execute()).toEqual([]);
  });

  it("queues a mail inside the caller's transaction, and only if it commits", async () => {
    await expect(
      services.db.transaction().execute(async (trx) => {
        await enqueueMail({ ...services, db: trx }, { to: "rolled@example.net", template: "update", language: "en" });
        throw new Error("the caller's change failed");
      }),
    ).rejects.toThrow("the caller's change failed");
    expect(await services.db.selectFrom("outbox").selectAll().execute()).toEqual([]);

    await services.db.transaction().execute(async (trx) => {
      await enqueueMail({ ...services, db: trx }, { to: "kept@example.net", template: "update", language: "en" });
    });
    expect(await services.db.selectFrom("outbox").select("status").execute()).toEqual([{ status: "pending" }]);
  });

  it("sends an English mail once, to the right address, and marks it sent", async () => {
    const { id } = await enqueueMail(services, { to: "reader@example.net", template: "update", language: "en" });
    expect(await processOutbox(services, transport)).toEqual({ sent: 1, retrying: 0, failed: 0, skipped: 0 });

    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    expect(mail.rcptTo).toEqual(["reader@example.net"]);
    expect(mail.headers.to).toBe("reader@example.net");
    expect(mail.headers.from).toBe("Portal <no-reply@portal.example.org>");
    expect(mail.subject).toBe("Update");
    expect(mail.text).toBe(
      "There is an update on your request. To read it, go to https://portal.example.org/case and sign in with your reference and secret. This is an automatic message; please do not reply.",
    );
    expect(mail.headers["auto-submitted"]).toBe("auto-generated");

    expect(await row(id)).toMatchObject({ status: "sent", sent_at: START.toISOString(), attempts: 1, last_error: null });
    expect(await processOutbox(services, transport)).toEqual({ sent: 0, retrying: 0, failed: 0, skipped: 0 });
    expect(smtp.received).toHaveLength(1);
  });

  it("sends an Arabic mail in Arabic", async () => {
    await enqueueMail(services, { to: "qari@example.net", template: "update", language: "ar" });
    await processOutbox(services, transport);

    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    const ar = mailJson("ar").update;
    expect(mail.rcptTo).toEqual(["qari@example.net"]);
    expect(mail.subject).toBe(ar.subject);
    expect(mail.text).toBe(ar.body.replace("{{url}}", `${PUBLIC_URL}/case`));
    expect(mail.text).toContain("طلبك");
    expect(mail.headers["content-language"]).toBe("ar");
  });

  it("says nothing about what the request is about, in any language", async () => {
    const languages = ["en", "nl", "fr", "ar"];
    for (const language of languages) await enqueueMail(services, { to: `${language}@example.net`, template: "update", language });
    expect((await processOutbox(services, transport)).sent).toBe(4);

    expect(smtp.received.map((m) => m.rcptTo[0]).sort()).toEqual(languages.map((l) => `${l}@example.net`).sort());
    for (const mail of smtp.received) {
      const language = mail.rcptTo[0].split("@")[0];
      expect(mail.subject).toBe(mailJson(language).update.subject);
      expect(mail.text).toContain(`${PUBLIC_URL}/case`);
      const readable = `${mail.subject}\n${mail.text}\n${Object.values(mail.headers).map(decodeWords).join("\n")}`.toLowerCase();
      const found = REVEALING.filter((word) => readable.includes(word.toLowerCase()));
      expect(found, `${language} mail`).toEqual([]);
    }
  });

  it("keeps a refused mail pending, retries it after a minute, and then sends it", async () => {
    const { id } = await enqueueMail(services, { to: "refused@example.net", template: "update", language: "fr" });
    smtp.reject = true;
    expect(await processOutbox(services, transport)).toEqual({ sent: 0, retrying: 1, failed: 0, skipped: 0 });

    const failed = await row(id);
    expect(failed).toMatchObject({ status: "pending", attempts: 1, next_attempt_at: new Date(START.getTime() + 60_000).toISOString() });
    expect(failed.last_error).toBe("EENVELOPE 550 at RCPT TO");
    expect(failed.last_error).not.toMatch(/@|refused|example/);
    expect(smtp.received).toHaveLength(0);

    // Not due yet: nothing happens.
    later(59_000);
    expect(await processOutbox(services, transport)).toEqual({ sent: 0, retrying: 0, failed: 0, skipped: 0 });

    smtp.reject = false;
    later(1_000);
    expect(await processOutbox(services, transport)).toEqual({ sent: 1, retrying: 0, failed: 0, skipped: 0 });
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0].subject).toBe("Mise à jour");
    expect(await row(id)).toMatchObject({ status: "sent", attempts: 2, last_error: null, sent_at: clock.toISOString() });
  });

  it("backs off 1 min, 5 min, 30 min, 2 h, 12 h, and gives up after 6 failed attempts", async () => {
    const { id } = await enqueueMail(services, { to: "never@example.net", template: "update", language: "en" });
    smtp.reject = true;
    const waits: number[] = [];
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const before = clock.getTime();
      await processOutbox(services, transport);
      const current = await row(id);
      expect(current.attempts).toBe(attempt);
      if (attempt < MAX_ATTEMPTS) {
        expect(current.status).toBe("pending");
        waits.push(Date.parse(current.next_attempt_at) - before);
        clock = new Date(current.next_attempt_at);
      } else {
        expect(current.status).toBe("failed");
      }
    }
    expect(MAX_ATTEMPTS).toBe(6);
    expect(waits).toEqual([...RETRY_DELAYS_MS]);
    expect(waits).toEqual([60_000, 300_000, 1_800_000, 7_200_000, 43_200_000]);

    // A failed mail stays failed.
    smtp.reject = false;
    later(365 * 24 * 60 * 60_000);
    expect(await processOutbox(services, transport)).toEqual({ sent: 0, retrying: 0, failed: 0, skipped: 0 });
    expect(smtp.received).toHaveLength(0);
  });

  it("retries when the mail server cannot be reached", async () => {
    const down = await startSmtp();
    await down.close();
    const unreachable = createMailTransport({ SMTP_URL: `smtp://127.0.0.1:${down.port}`, dataDir });
    const { id } = await enqueueMail(services, { to: "offline@example.net", template: "update", language: "en" });
    expect(await processOutbox(services, unreachable)).toEqual({ sent: 0, retrying: 1, failed: 0, skipped: 0 });
    const current = await row(id);
    expect(current).toMatchObject({ status: "pending", attempts: 1 });
    expect(current.last_error).toMatch(/^[A-Z]+( at [A-Z ]+)?$/);
    unreachable.close();
  });

  it("sends each mail once when two processes run at the same time", async () => {
    const addresses = Array.from({ length: 6 }, (_, i) => `both${i}@example.net`);
    for (const to of addresses) await enqueueMail(services, { to, template: "update", language: "en" });

    const runs = await Promise.all([processOutbox(services, transport), processOutbox(services, transport)]);
    expect(runs[0].sent + runs[1].sent).toBe(addresses.length);
    // The two runs did collide: some mail one of them read was claimed by the other first.
    expect(runs[0].skipped + runs[1].skipped).toBeGreaterThan(0);
    expect(smtp.received.flatMap((m) => m.rcptTo).sort()).toEqual(addresses.sort());
    const rows = await services.db.selectFrom("outbox").select(["status", "attempts"]).execute();
    expect(rows.every((r) => r.status === "sent" && r.attempts === 1)).toBe(true);
  });

  it("keeps a mail that is being sent out of other processes' reach", async () => {
    await enqueueMail(services, { to: "inflight@example.net", template: "update", language: "en" });
    let meanwhile: Awaited<ReturnType<typeof processOutbox>> | undefined;
    const slow = {
      async sendMail(message: Parameters<MailTransport["sendMail"]>[0]) {
        // Another process runs while this one is still talking to the mail server.
        meanwhile = await processOutbox(services, transport);
        return transport.sendMail(message);
      },
    };
    expect(await processOutbox(services, slow)).toMatchObject({ sent: 1 });
    expect(meanwhile).toEqual({ sent: 0, retrying: 0, failed: 0, skipped: 0 });
    expect(smtp.received).toHaveLength(1);
  });

  it("logs counts, never addresses", async () => {
    const logged: string[] = [];
    for (const level of ["info", "warn", "error", "log"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(" ")));
    }
    const loud = { ...services, env: { ...services.env, LOG_LEVEL: "info" as const } };
    await enqueueMail(services, { to: "quiet@example.net", template: "update", language: "en" });
    await processOutbox(loud, transport);
    smtp.reject = true;
    await enqueueMail(services, { to: "hush@example.net", template: "update", language: "en" });
    await processOutbox(loud, transport);

    expect(logged).toEqual(["outbox: 1 sent, 0 to retry, 0 failed", "outbox: 0 sent, 1 to retry, 0 failed"]);
  });

  it("runs as a worker until stopped", async () => {
    await enqueueMail(services, { to: "worker@example.net", template: "update", language: "en" });
    const stop = startOutboxWorker(services, transport, 20);
    await vi.waitFor(() => expect(smtp.received).toHaveLength(1), { timeout: 5_000, interval: 20 });
    await stop();

    await enqueueMail(services, { to: "after@example.net", template: "update", language: "en" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(smtp.received.map((m) => m.rcptTo[0])).toEqual(["worker@example.net"]);
  });

  it("writes an .eml file readable only by the server when there is no SMTP_URL", async () => {
    const env = loadEnv({ NODE_ENV: "test", RECLAIM_DATA_DIR: dataDir, PUBLIC_URL, LOG_LEVEL: "silent" });
    const files = createMailTransport(env);
    const outboxDir = path.join(dataDir, "outbox");
    expect(files.kind).toBe("file");
    expect(files.outboxDir).toBe(outboxDir);
    expect(files.description).toBe(`No SMTP_URL: e-mails are written to ${outboxDir}${path.sep} as .eml files.`);

    const { id } = await enqueueMail(services, { to: "file@example.net", template: "update", language: "nl" });
    expect((await processOutbox({ ...services, env }, files)).sent).toBe(1);

    const written = readdirSync(outboxDir);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/\.eml$/);
    expect(written[0]).not.toContain("file@");
    expect(statSync(path.join(outboxDir, written[0])).mode & 0o777).toBe(0o600);
    expect(statSync(outboxDir).mode & 0o777).toBe(0o700);

    const mail = parseMessage(readFileSync(path.join(outboxDir, written[0]), "utf8"));
    expect(mail.headers.to).toBe("file@example.net");
    expect(mail.subject).toBe("Nieuwe informatie");
    expect(mail.text).toContain(`${PUBLIC_URL}/case`);
    expect(await row(id)).toMatchObject({ status: "sent" });
    expect(smtp.received).toHaveLength(0);
  });
});
