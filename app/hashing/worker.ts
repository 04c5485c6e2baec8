/**
 * The hash worker: the entry point of public/workers/hash-worker.js, built by
 * `npm run build:worker` (esbuild) because the Remix classic compiler cannot
 * bundle a worker. Files are hashed one after the other, off the page's main
 * thread, so the page never stalls, however large the file.
 */
import { hashFileInBrowser } from "./browser-hash";
import type { HashJob, HashWorkerMessage } from "./worker-protocol";

/** The part of DedicatedWorkerGlobalScope used here (TypeScript's DOM library does not describe workers). */
interface WorkerScope {
  onmessage: ((event: MessageEvent<HashJob>) => void) | null;
  postMessage(message: HashWorkerMessage): void;
}

const scope = self as unknown as WorkerScope;
let queue: Promise<void> = Promise.resolve();

scope.onmessage = ({ data: job }) => {
  queue = queue.then(() => hash(job));
};

async function hash({ id, file }: HashJob): Promise<void> {
  let reported = -1;
  try {
    const result = await hashFileInBrowser(file, (fraction) => {
      // Whole percents are enough for a progress bar, and spare the page re-renders.
      const percent = Math.floor(fraction * 100);
      if (percent === reported) return;
      reported = percent;
      scope.postMessage({ id, type: "progress", fraction });
    });
    scope.postMessage({ id, type: "done", result });
  } catch {
    // Unreadable (moved, deleted, permission lost): the page says so; no detail is needed.
    scope.postMessage({ id, type: "failed" });
  }
}
