import path from "node:path";
import type { TestProject } from "vitest/node";
import { QUICK_EXIT_URL, ROOT, startPortal, type PortalServer } from "./server";

declare module "vitest" {
  export interface ProvidedContext {
    /** Where the portal under test listens, e.g. http://127.0.0.1:43123 */
    baseURL: string;
    /** The QUICK_EXIT_URL that server was given. */
    quickExitUrl: string;
  }
}

/**
 * One production server for the whole e2e run (tests that need another
 * configuration can call startPortal() themselves). E2E_BASE_URL=http://…
 * points the tests at a server you started yourself instead.
 */
export default async function setup(project: TestProject) {
  const external = process.env.E2E_BASE_URL;
  let server: PortalServer | undefined;
  if (external) {
    project.provide("baseURL", external.replace(/\/$/, ""));
    project.provide("quickExitUrl", process.env.E2E_QUICK_EXIT_URL ?? QUICK_EXIT_URL);
  } else {
    server = await startPortal({ logFile: path.join(ROOT, "test-results/e2e-server.log") });
    project.provide("baseURL", server.url);
    project.provide("quickExitUrl", server.env.QUICK_EXIT_URL);
  }
  return async () => {
    await server?.stop();
  };
}
