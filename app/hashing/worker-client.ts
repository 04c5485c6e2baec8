/**
 * The page's side of the hash worker. Browser-only; nothing here runs on the
 * server, and nothing here sends a file anywhere: a `File` posted to a worker
 * stays in this browser.
 */
import { HASH_WORKER_URL, type HashWorkerMessage } from "./worker-protocol";

/** Hashing on the device needs Web Workers and WebAssembly (hash-wasm). */
export function browserCanHash(): boolean {
  return typeof Worker !== "undefined" && typeof WebAssembly !== "undefined";
}

export interface HashWorker {
  hash(id: number, file: File): void;
  terminate(): void;
}

/**
 * Starts the worker. `onBroken` is called if it cannot run at all (its script
 * did not load, or it crashed); the files still waiting are then lost.
 */
export function startHashWorker(onMessage: (message: HashWorkerMessage) => void, onBroken: () => void): HashWorker {
  const worker = new Worker(HASH_WORKER_URL, { name: "hash" });
  worker.onmessage = (event: MessageEvent<HashWorkerMessage>) => onMessage(event.data);
  worker.onerror = (event) => {
    event.preventDefault();
    onBroken();
  };
  return {
    hash: (id, file) => worker.postMessage({ id, file }),
    terminate: () => worker.terminate(),
  };
}
