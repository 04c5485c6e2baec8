import { randomUUID } from "node:crypto";
import type { TFunction } from "i18next";
import type { Services } from "~/context";
import type { Db } from "~/db/db.server";
import type { Timestamp } from "~/db/schema";
import { fallbackLanguage, isSupportedLanguage, type Language } from "~/i18n/config";
import { i18nServer, resources } from "~/i18n/i18next.server";
import type { MailSender } from "./transport.server";

/**
 * Outgoing e-mail goes through a table, not straight to SMTP: a request never
 * waits on (or fails because of) a mail server, and a mail survives a restart.
 *
 * Every mail is neutral (design safety rule 4): a template from the `mail`
 * namespace that says there is an update and where to sign in, nothing else.
 * The one exception goes to providers, never to a requester: a removal
 * notice (DSA Art. 16) carries its own text, encrypted like the recipient.
 * The recipient is stored encrypted and appears in no log and no error.
 */

/** Associated data binding an encrypted recipient to this column. */
const RECIPIENT_CONTEXT = "outbox.recipient_enc";

/** Wait after the 1st, 2nd, … failed attempt; the attempt after the last of these is the final one. */
export const RETRY_DELAYS_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 60 * 60_000, 12 * 60 * 60_000] as const;
/** After this many failed attempts a mail is given up (status failed). */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
/**
 * How long a claimed mail stays out of other processes' reach. Far longer than
 * the SMTP timeouts, so a mail is only picked up again if its sender died.
 */
const CLAIM_LEASE_MS = 15 * 60_000;

type Deps = Pick<Services, "db" | "vault" | "now">;

export interface MailToEnqueue {
  /** The recipient's e-mail address: stored encrypted. */
  to: string;
  /** The case the mail is about: erasing the case cancels it while it is still queued. */
  caseId?: string;
  /** A template of the `mail` namespace, e.g. "update". */
  template: string;
  /** The recipient's language; an unsupported one falls back to English. */
  language: string;
  /**
   * A message written for its recipient instead of a neutral template: a
   * removal notice to a provider (see app/notices/). Stored encrypted; the
   * template then only names the kind of mail.
   */
  content?: { subject: string; text: string };
}

const SUBJECT_CONTEXT = "outbox.subject_enc";
const BODY_CONTEXT = "outbox.body_enc";

/**
 * Queue one e-mail. `db` may be a transaction (`Transaction<Database>` is a
 * `Kysely<Database>`), so the mail is queued only if the caller's change commits.
 */
export async function enqueueMail({ db, vault, now }: Deps, { to, template, language, content, caseId }: MailToEnqueue): Promise<{ id: string }> {
  const address = to.trim();
  // Checked here, not at sending: a bad address or template is the caller's bug and should fail the caller.
  if (!/^[^\s@]+@[^\s@]+$/.test(address)) throw new Error("enqueueMail: the recipient is not an e-mail address");
  if (!content && !mailTemplateExists(template)) throw new Error(`enqueueMail: no mail template "${template}"`);
  const at = now().toISOString();
  const id = randomUUID();
  await db
    .insertInto("outbox")
    .values({
      id,
      recipient_enc: vault.encrypt(address, RECIPIENT_CONTEXT),
      template,
      language: isSupportedLanguage(language) ? language : fallbackLanguage,
      status: "pending",
      attempts: 0,
      next_attempt_at: at,
      last_error: null,
      created_at: at,
      sent_at: null,
      subject_enc: content ? vault.encrypt(content.subject, SUBJECT_CONTEXT) : null,
      body_enc: content ? vault.encrypt(content.text, BODY_CONTEXT) : null,
      case_id: caseId ?? null,
    })
    .execute();
  return { id };
}

/** Cancel every mail about this case that has not gone out yet. */
export async function cancelCaseMails({ db }: Pick<Services, "db">, caseId: string): Promise<number> {
  const { numDeletedRows } = await db.deleteFrom("outbox").where("case_id", "=", caseId).where("status", "=", "pending").executeTakeFirst();
  return Number(numDeletedRows);
}

export interface OutboxRun {
  /** Mails handed to the transport successfully. */
  sent: number;
  /** Mails that failed this time and are scheduled again. */
  retrying: number;
  /** Mails that failed for the last time (status failed). */
  failed: number;
  /** Due mails another process claimed first. */
  skipped: number;
}

/**
 * Send the mails that are due. Several processes may run this at once (several
 * instances on one PostgreSQL): each mail is claimed with a conditional update
 * before it is sent, and only the process whose update changed the row sends it.
 *
 * An attempt is counted when it is claimed, so a process that dies while
 * sending still uses one up, and a mail that cannot be sent ends as failed.
 */
export async function processOutbox(
  services: Deps & Pick<Services, "env">,
  transport: MailSender,
  { batchSize = 20 }: { batchSize?: number } = {},
): Promise<OutboxRun> {
  const { db, vault, now, env } = services;
  const run: OutboxRun = { sent: 0, retrying: 0, failed: 0, skipped: 0 };
  const due = await db
    .selectFrom("outbox")
    .select(["id", "recipient_enc", "template", "language", "attempts", "next_attempt_at", "subject_enc", "body_enc"])
    .where("status", "=", "pending")
    .where("next_attempt_at", "<=", now().toISOString())
    .orderBy("next_attempt_at")
    .orderBy("id")
    .limit(batchSize)
    .execute();

  for (const mail of due) {
    const attempt = mail.attempts + 1;
    if (!(await claim(db, mail, attempt, addMs(now(), CLAIM_LEASE_MS)))) {
      run.skipped++;
      continue;
    }
    try {
      const { subject, text } =
        mail.subject_enc && mail.body_enc
          ? { subject: vault.decrypt(mail.subject_enc, SUBJECT_CONTEXT), text: vault.decrypt(mail.body_enc, BODY_CONTEXT) }
          : await renderMail(mail.template, mail.language, caseUrl(env));
      await transport.sendMail({
        from: env.MAIL_FROM,
        to: vault.decrypt(mail.recipient_enc, RECIPIENT_CONTEXT),
        subject,
        text,
        headers: { "Auto-Submitted": "auto-generated", "Content-Language": mail.language },
      });
      await db
        .updateTable("outbox")
        .set({ status: "sent", sent_at: now().toISOString(), last_error: null })
        .where("id", "=", mail.id)
        .where("attempts", "=", attempt)
        .execute();
      run.sent++;
    } catch (error) {
      const givingUp = attempt >= MAX_ATTEMPTS;
      await db
        .updateTable("outbox")
        .set(
          givingUp
            ? { status: "failed", last_error: describeError(error) }
            : { next_attempt_at: addMs(now(), RETRY_DELAYS_MS[attempt - 1]), last_error: describeError(error) },
        )
        .where("id", "=", mail.id)
        .where("attempts", "=", attempt)
        .execute();
      if (givingUp) run.failed++;
      else run.retrying++;
    }
  }

  if (run.sent + run.retrying + run.failed > 0) {
    log(env.LOG_LEVEL, run.retrying + run.failed > 0 ? "warn" : "info", `outbox: ${run.sent} sent, ${run.retrying} to retry, ${run.failed} failed`);
  }
  return run;
}

/**
 * Process the outbox now and then every `intervalMs`, one pass at a time.
 * The timer is unref'd: it never keeps the process alive on its own.
 * The returned function stops the worker and resolves once a pass in progress has ended.
 */
export function startOutboxWorker(
  services: Deps & Pick<Services, "env">,
  transport: MailSender,
  intervalMs = 30_000,
): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(tick, delay);
    timer.unref();
  };
  // The next pass is scheduled only when this one has finished: passes never overlap.
  const tick = () => {
    running = processOutbox(services, transport)
      .then(
        () => undefined,
        (error: unknown) => log(services.env.LOG_LEVEL, "error", `outbox: pass failed (${describeError(error)})`),
      )
      .finally(() => schedule(intervalMs));
  };
  schedule(0);

  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}

/** The subject and plain-text body of a mail, in `language`, from `mail.<template>.subject|body`. */
export async function renderMail(template: string, language: string, url: string): Promise<{ subject: string; text: string }> {
  const t = await mailT(isSupportedLanguage(language) ? language : fallbackLanguage);
  return { subject: t(`${template}.subject`, { url }), text: t(`${template}.body`, { url }) };
}

/** Where a requester signs in to read an update. */
export function caseUrl(env: Pick<Services["env"], "PUBLIC_URL" | "PORT">): string {
  return `${(env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, "")}/case`;
}

// One i18next instance per language, made on first use: the translations are loaded once at start-up.
const translators = new Map<Language, Promise<TFunction>>();
function mailT(language: Language): Promise<TFunction> {
  let t = translators.get(language);
  if (!t) {
    t = i18nServer.getFixedT(language, "mail") as Promise<TFunction>;
    translators.set(language, t);
  }
  return t;
}

function mailTemplateExists(template: string): boolean {
  const entry = (resources[fallbackLanguage]?.mail as Record<string, unknown> | undefined)?.[template];
  return typeof entry === "object" && entry !== null && "subject" in entry && "body" in entry;
}

/** Take the mail for this process, unless another process changed it since it was read. */
async function claim(
  db: Db,
  mail: { id: string; attempts: number; next_attempt_at: Timestamp },
  attempt: number,
  leaseUntil: Timestamp,
): Promise<boolean> {
  const result = await db
    .updateTable("outbox")
    .set({ attempts: attempt, next_attempt_at: leaseUntil })
    .where("id", "=", mail.id)
    .where("status", "=", "pending")
    .where("attempts", "=", mail.attempts)
    .where("next_attempt_at", "=", mail.next_attempt_at)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * A short, safe description of a failure: the error code, the SMTP reply code
 * and the SMTP command, never the message text, which can quote addresses.
 */
function describeError(error: unknown): string {
  const e = (typeof error === "object" && error !== null ? error : {}) as {
    code?: unknown;
    responseCode?: unknown;
    command?: unknown;
    name?: unknown;
  };
  const word = (value: unknown, pattern: RegExp) => (typeof value === "string" && pattern.test(value) ? value : undefined);
  const parts = [
    word(e.code, /^[A-Z][A-Z0-9_]{0,39}$/) ?? word(e.name, /^[A-Za-z]{1,40}$/) ?? "Error",
    typeof e.responseCode === "number" ? String(e.responseCode) : undefined,
    word(e.command, /^[A-Z]{2,10}( [A-Z]{2,10})?$/) && `at ${e.command}`,
  ];
  return parts.filter(Boolean).join(" ");
}

function addMs(date: Date, ms: number): Timestamp {
  return new Date(date.getTime() + ms).toISOString();
}

const LEVELS = { silent: 0, error: 1, warn: 2, info: 3 } as const;
function log(configured: keyof typeof LEVELS, level: "error" | "warn" | "info", message: string) {
  if (LEVELS[configured] >= LEVELS[level]) console[level](message);
}
