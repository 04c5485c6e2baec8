import type { Db, DatabaseKind } from "./db/db.server";
import type { Env } from "./env.server";
import type { Vault } from "./privacy/vault.server";

/** What the server builds once at start-up and hands every request. */
export interface Services {
  db: Db;
  dbKind: DatabaseKind;
  env: Env;
  vault: Vault;
  /** The clock: tests move it. */
  now: () => Date;
}

/** What loaders and actions receive: the services plus per-request values. */
export interface AppContext extends Services {
  /** Per-request Content-Security-Policy nonce. */
  cspNonce: string;
  /** The client's address, for rate limits only; stored as a keyed hash, never in plain. */
  clientAddress: string;
}

declare module "@remix-run/node" {
  interface AppLoadContext extends AppContext {}
}
declare module "@remix-run/server-runtime" {
  interface AppLoadContext extends AppContext {}
}
