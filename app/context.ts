import type { Db, DatabaseKind } from "./db/db.server";
import type { Env } from "./env.server";

/** What the HTTP server hands every loader and action. */
export interface AppContext {
  db: Db;
  dbKind: DatabaseKind;
  env: Env;
  /** Per-request Content-Security-Policy nonce. */
  cspNonce: string;
}

declare module "@remix-run/node" {
  interface AppLoadContext extends AppContext {}
}
declare module "@remix-run/server-runtime" {
  interface AppLoadContext extends AppContext {}
}
