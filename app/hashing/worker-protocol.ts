/**
 * Messages between the page and the hash worker (`worker.ts`). The page
 * sends a `File` (structured clone: a handle, not a copy of the bytes); the
 * worker answers with progress and, at the end, only the codes.
 */
import type { BrowserHashResult } from "./browser-hash";

/** Where the built worker is served from (`npm run build:worker` writes it into public/). */
export const HASH_WORKER_URL = "/workers/hash-worker.js";

export interface HashJob {
  id: number;
  file: File;
}

export type HashWorkerMessage =
  | { id: number; type: "progress"; fraction: number }
  | { id: number; type: "done"; result: BrowserHashResult }
  | { id: number; type: "failed" };
