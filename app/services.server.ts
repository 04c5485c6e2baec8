import type { Services } from "./context";
import { openDatabase } from "./db/db.server";
import type { Env } from "./env.server";
import { createVault, parseDataKeys } from "./privacy/vault.server";

/** Build the services from a validated environment (the server, the CLI and tests share this). */
export function createServices(env: Env, overrides: Partial<Services> = {}): Services {
  const { db, kind } = overrides.db ? { db: overrides.db, kind: overrides.dbKind ?? "sqlite" } : openDatabase(env.DATABASE_URL);
  return {
    db,
    dbKind: kind,
    env,
    vault: createVault({ ...parseDataKeys(env.RECLAIM_DATA_KEYS), indexKey: Buffer.from(env.RECLAIM_INDEX_KEY) }),
    now: () => new Date(),
    ...overrides,
  };
}
