import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

/**
 * The environment, validated once at start-up. Every setting the server reads
 * is named here; nothing else reads `process.env`.
 */
const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATABASE_URL: z
    .string()
    .regex(/^(file:.+|postgres(ql)?:\/\/.+)$/, "must be file:PATH or postgres://…")
    .default("file:./data/reclaim.sqlite"),
  RECLAIM_DATA_DIR: z.string().min(1).default("./data"),
  SESSION_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  QUICK_EXIT_URL: z.string().url().default("https://www.bbc.com/weather"),
  LOG_LEVEL: z.enum(["silent", "error", "warn", "info"]).default("info"),
});

export type Env = Omit<z.infer<typeof schema>, "SESSION_SECRET"> & {
  SESSION_SECRET: string;
  /** Absolute path of RECLAIM_DATA_DIR. */
  dataDir: string;
};

export class EnvError extends Error {}

/** Parse and check the environment; fail with a message that names each bad variable. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env, warn = console.warn): Env {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new EnvError(`Invalid environment:\n${lines.join("\n")}`);
  }
  const dataDir = path.resolve(parsed.data.RECLAIM_DATA_DIR);
  const secrets = ensureGeneratedSecrets(dataDir, parsed.data.NODE_ENV, warn, {
    SESSION_SECRET: parsed.data.SESSION_SECRET,
  });
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
  supplied: { SESSION_SECRET?: string },
): { SESSION_SECRET: string } {
  if (supplied.SESSION_SECRET) return { SESSION_SECRET: supplied.SESSION_SECRET };
  const file = path.join(dataDir, "secrets.json");
  let stored: Record<string, string> = {};
  if (existsSync(file)) stored = JSON.parse(readFileSync(file, "utf8"));
  if (!stored.SESSION_SECRET) {
    stored.SESSION_SECRET = randomBytes(32).toString("base64url");
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify(stored, null, 2) + "\n", { mode: 0o600 });
  }
  if (nodeEnv === "production") {
    warn(
      `Warning: SESSION_SECRET was not supplied; using the one generated in ${file}. ` +
        "Supply secrets through the environment in production.",
    );
  }
  return { SESSION_SECRET: stored.SESSION_SECRET };
}
