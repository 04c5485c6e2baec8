import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import { test as base, inject } from "vitest";
import { launchChromium, newPortalContext } from "./browser";
import { watchPage } from "./page";
import { recordRequests, type RequestLog } from "./requests";

export interface PortalFixtures {
  /** Where the portal under test listens (no trailing slash). */
  baseURL: string;
  /** The QUICK_EXIT_URL the server was given; answered with a neutral page. */
  quickExitUrl: string;
  /** One Chromium per test file. */
  browser: Browser;
  /** Options for this test's context; override with test.scoped({ contextOptions: { … } }). */
  contextOptions: BrowserContextOptions;
  /** A fresh context per test: no cookies, no history. */
  context: BrowserContext;
  /**
   * Every request of the context. After the test it is checked that none left
   * the portal's origin (the quick exit target excepted).
   */
  requests: RequestLog;
  /** A page in the context; page.goto("/") goes to the portal. */
  page: Page;
}

/**
 * The e2e `test`: `test("…", async ({ page }) => { await page.goto("/"); … })`.
 * For the no-JavaScript tests, inside a describe:
 * `test.scoped({ contextOptions: { javaScriptEnabled: false } })`.
 */
export const test = base.extend<PortalFixtures>({
  baseURL: [async ({}, use) => use(inject("baseURL")), { scope: "file" }],
  quickExitUrl: [async ({}, use) => use(inject("quickExitUrl")), { scope: "file" }],
  browser: [
    async ({}, use) => {
      const browser = await launchChromium();
      await use(browser);
      await browser.close();
    },
    { scope: "file" },
  ],
  contextOptions: async ({}, use) => use({}),
  context: async ({ browser, baseURL, contextOptions }, use) => {
    const context = await newPortalContext(browser, baseURL, contextOptions);
    context.on("page", watchPage);
    await use(context);
    await context.close();
  },
  requests: async ({ context, baseURL, quickExitUrl }, use) => {
    const log = await recordRequests(context, { origin: baseURL, allowed: [quickExitUrl] });
    await use(log);
    log.expectSameOrigin();
  },
  page: async ({ context, requests }, use) => {
    void requests; // recording starts before the page exists
    const page = await context.newPage();
    await use(page);
  },
});

export { expect, describe, beforeAll, afterAll } from "vitest";
