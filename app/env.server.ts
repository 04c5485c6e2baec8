import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

/** A length of time as `30s`, `5m`, `24h`, `3d` (or `250ms`), in milliseconds. */
function duration(fallback: string) {
  return z
    .string()
    .default(fallback)
    .refine((v) => /^\d+(\.\d+)?(ms|s|m|h|d)$/.test(v.trim()), "must be a number and a unit: ms, s, m, h or d (e.g. 24h)")
    .transform((v) => parseDuration(v))
    .refine((ms) => ms >= 1 && ms <= 3650 * 86_400_000, "must be between 1 ms and 10 years");
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export function parseDuration(value: string): number {
  const [, amount, unit] = value.trim().match(/^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/)!;
  return Math.round(Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS]);
}

/**
 * The environment, validated once at start-up. Every setting the server reads
 * is named here; nothing else reads `process.env`.
 */
const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATABASE_URL: z
    .string()
    .regex(/^(file:.+|postgres(ql)?:\/\/.+)$/, "must be file:PATH or postgres://…")
    .default("file:./data/reclaim.sqlite"),
  RECLAIM_DATA_DIR: z.string().min(1).default("./data"),
  SESSION_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  RECLAIM_DATA_KEYS: z
    .string()
    .regex(/^([A-Za-z0-9_-]+:[A-Za-z0-9+/=]{44})(,[A-Za-z0-9_-]+:[A-Za-z0-9+/=]{44})*$/, "must be id:base64key[,id:base64key…] with 32-byte keys")
    .optional(),
  RECLAIM_INDEX_KEY: z.string().min(32, "must be at least 32 characters").optional(),
  SMTP_URL: z.string().regex(/^smtps?:\/\/.+/, "must be smtp://… or smtps://…").optional(),
  MAIL_FROM: z.string().min(3).default("Reclaim <no-reply@localhost>"),
  PUBLIC_URL: z.string().url().optional(),
  QUICK_EXIT_URL: z.string().url().default("https://www.bbc.com/weather"),
  LOG_LEVEL: z.enum(["silent", "error", "warn", "info"]).default("info"),
  // Retention (docs/decisions/008-retention.md); unfinished requests, sessions and rate limits end on expiry.
  RETENTION_WITHDRAWN_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  RETENTION_CLOSED_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
  RETENTION_MAIL_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  RETENTION_AUDIT_DAYS: z.coerce.number().int().min(365).max(3650).default(730),
  // Sightings, matching and removal notices (docs/decisions/012-sightings-and-matching.md, 013-removal-notices.md).
  PDQ_MATCH_DISTANCE: z.coerce.number().int().min(0).max(47).default(31),
  SIGHTINGS_POLL_INTERVAL: duration("5s"),
  NOTICE_RESEND_INTERVAL: duration("24h"),
  NOTICE_REFERRAL_AFTER: duration("72h"),
  NOTICE_CONTACT: z.string().regex(/^[^\s@]+@[^\s@]+$/, "must be an e-mail address").optional(),
  OUTBOX_INTERVAL: duration("30s"),
});

type Generated = "SESSION_SECRET" | "RECLAIM_DATA_KEYS" | "RECLAIM_INDEX_KEY";
const GENERATED: Generated[] = ["SESSION_SECRET", "RECLAIM_DATA_KEYS", "RECLAIM_INDEX_KEY"];

export type Env = Omit<z.infer<typeof schema>, Generated> & Record<Generated, string> & {
  /** Absolute path of RECLAIM_DATA_DIR. */
  dataDir: string;
};

export class EnvError extends Error {}

/**
 * Cookies are marked Secure when the portal is served over HTTPS, which
 * PUBLIC_URL says (a TLS-terminating proxy in front is the normal set-up).
 * Without it — `npm start` on http://localhost — browsers would drop them.
 */
export function servedOverHttps(env: Pick<Env, "PUBLIC_URL">): boolean {
  return env.PUBLIC_URL?.startsWith("https://") ?? false;
}

/** Parse and check the environment; fail with a message that names each bad variable. */
export function loadEnv(source: Record<string, string | undefined> = process.env, warn = console.warn): Env {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new EnvError(`Invalid environment:\n${lines.join("\n")}`);
  }
  const dataDir = path.resolve(parsed.data.RECLAIM_DATA_DIR);
  const secrets = ensureGeneratedSecrets(dataDir, parsed.data.NODE_ENV, warn, parsed.data);
  return { ...parsed.data, ...secrets, dataDir };
}

/**
 * The embedded default needs secrets nobody has to invent: generate them on
 * first start into the data folder (mode 0600) and reuse them afterwards.
 * A production server should be given its secrets instead, so say so loudly.
 */
function ensureGeneratedSecrets(
  dataDir: string,
  nodeEnv: string,
  warn: (message: string) => void,
  supplied: Partial<Record<Generated, string>>,
): Record<Generated, string> {
  const missing = GENERATED.filter((name) => !supplied[name]);
  if (missing.length === 0) return supplied as Record<Generated, string>;
  const file = path.join(dataDir, "secrets.json");
  const stored: Partial<Record<Generated, string>> = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  const fresh = {
    SESSION_SECRET: () => randomBytes(32).toString("base64url"),
    RECLAIM_DATA_KEYS: () => `k${randomBytes(6).toString("hex")}:${randomBytes(32).toString("base64")}`,
    RECLAIM_INDEX_KEY: () => randomBytes(32).toString("base64url"),
  };
  if (missing.some((name) => !stored[name])) {
    for (const name of missing) stored[name] ??= fresh[name]();
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify(stored, null, 2) + "\n", { mode: 0o600 });
  }
  if (nodeEnv === "production") {
    warn(`Warning: ${missing.join(", ")} not supplied; using the values generated in ${file}. Supply secrets through the environment in production.`);
  }
  return { ...(stored as Record<Generated, string>), ...Object.fromEntries(GENERATED.filter((n) => supplied[n]).map((n) => [n, supplied[n]!])) };
}
