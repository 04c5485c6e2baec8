import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { migrateToLatest } from "~/db/migrate.server";
import { loadEnv } from "~/env.server";
import { createHttpApp } from "~/http/server.server";
import { startOutboxWorker } from "~/mail/outbox.server";
import { createMailTransport } from "~/mail/transport.server";
import { buildSightingIndex, startSightingsWorker } from "~/matching/worker.server";
import { startRetentionWorker } from "~/privacy/retention.server";
import { createServices } from "~/services.server";

export const BUILD_PATH = path.resolve("build/index.js");

/** Start the portal: validate the environment, migrate, listen. Resolves when the server has stopped. */
export async function serve(): Promise<number> {
  const env = loadEnv();
  if (!existsSync(BUILD_PATH)) throw new Error(`no build at ${BUILD_PATH}; run "npm run build" (npm start does it for you).`);
  const services = createServices(env);
  const { db, dbKind: kind } = services;
  await migrateToLatest(db);
  const build = (await import(pathToFileURL(BUILD_PATH).href)) as ServerBuild;
  const app = createHttpApp({ build, services });
  const transport = createMailTransport(env);
  const stopOutbox = startOutboxWorker(services, transport, env.OUTBOX_INTERVAL);
  const stopRetention = startRetentionWorker(services);
  const say = (line: string) => env.LOG_LEVEL !== "silent" && console.log(line);
  // The PDQ index of all sightings, before the first request; kept current by the worker.
  const index = await buildSightingIndex(services);
  say(`PDQ index: ${index.size} sightings in ${index.seconds.toFixed(1)} s.`);
  const stopSightings = startSightingsWorker(services, (line) => env.LOG_LEVEL === "info" && console.log(line));

  return new Promise((resolve, reject) => {
    const server = app.listen(env.PORT, env.HOST, () => {
      say(`Reclaim is running on http://localhost:${env.PORT} (database: ${kind}).`);
      say(transport.description);
    });
    server.on("error", reject);
    const stop = () => {
      server.close(async () => {
        await stopOutbox();
        await stopSightings();
        await stopRetention();
        transport.close();
        await db.destroy();
        resolve(0);
      });
      // Idle keep-alive connections must not hold the shutdown.
      server.closeIdleConnections();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
