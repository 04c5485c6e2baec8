import type { Services } from "~/context";
import { processNotices } from "~/notices/notices.server";
import { sweepUnmatched } from "./match.server";
import { sightingIndexFor } from "./sighting-index.server";

/**
 * The server's background work for sightings, every SIGHTINGS_POLL_INTERVAL:
 * bring the PDQ index up to date with sightings other instances (or the
 * command line) stored, match whatever is still unmatched, and run the
 * removal notices (re-sends, referral flags). One pass at a time; the timer
 * never keeps the process alive. Returns a function that stops it.
 */
export function startSightingsWorker(services: Services, log: (line: string) => void = () => {}): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(tick, delay);
    timer.unref();
  };
  const pass = async () => {
    const swept = await sweepUnmatched(services);
    if (swept.candidates) log(`matching: ${swept.candidates} new candidate matches`);
    const notices = await processNotices(services);
    if (notices.resent + notices.flagged + notices.closed) {
      log(`notices: ${notices.resent} re-sent, ${notices.flagged} flagged for referral, ${notices.closed} closed`);
    }
  };
  const tick = () => {
    running = pass()
      .catch((error: unknown) => log(`sightings worker: pass failed (${(error as Error).name})`))
      .finally(() => schedule(services.env.SIGHTINGS_POLL_INTERVAL));
  };
  schedule(0);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}

/** Build this process's PDQ index from the database (start-up); resolves with its size and the time it took. */
export async function buildSightingIndex(services: Pick<Services, "db">): Promise<{ size: number; seconds: number }> {
  const started = performance.now();
  const index = sightingIndexFor(services.db);
  await index.ready();
  return { size: index.size, seconds: (performance.now() - started) / 1000 };
}
