import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * Browser tests: the production build (`npm run test:e2e` builds it first),
 * served by `node bin/reclaim.js serve` on a throw-away SQLite database, driven
 * with Debian's Chromium through playwright-core. See test/e2e/support/.
 */
export default defineConfig({
  resolve: { alias: { "~": fileURLToPath(new URL("./app", import.meta.url)) } },
  test: {
    include: ["test/e2e/**/*.e2e.test.ts"],
    globalSetup: ["test/e2e/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    // Each file runs its own Chromium; two at a time is plenty on small CI machines.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
