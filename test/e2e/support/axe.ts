import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import type { AxeResults, Result, RunOptions } from "axe-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/**
 * By default, every rule axe ships (WCAG 2.0–2.2 A/AA and best practices),
 * experimental ones excepted.
 */
export interface AxeCheckOptions {
  /** Limit the check to part of the page (a CSS selector). */
  include?: string;
  /** Leave out parts of the page (CSS selectors), e.g. something a test opened on purpose. */
  exclude?: string[];
  /** Passed to axe.run, e.g. { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa"] } }. */
  runOptions?: RunOptions;
}

/**
 * Run axe-core inside the page. The page's CSP forbids inline scripts without
 * its nonce, so axe is not added as a <script>: it is evaluated through the
 * DevTools protocol, which the CSP does not govern. Works for pages in
 * no-JavaScript contexts too (see axeRunWithoutJavaScript).
 */
export async function runAxe(page: Page, options: AxeCheckOptions = {}): Promise<AxeResults> {
  if (await timersRun(page)) return axeRun(page, options);
  return axeRunWithoutJavaScript(page, options);
}

/** A context with javaScriptEnabled: false runs no timers (axe needs them), and cannot be switched. */
async function timersRun(page: Page): Promise<boolean> {
  const probe = page.evaluate(() => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 0)));
  probe.catch(() => {});
  return Promise.race([probe, new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 500))]);
}

/**
 * For a page loaded without JavaScript: copy its DOM as it stands (open
 * disclosures included, <script> elements dropped, as they never ran), serve
 * that copy at the same URL to a scratch JavaScript-enabled page of the same
 * size, so stylesheets and layout are the real ones, and check the copy.
 */
async function axeRunWithoutJavaScript(page: Page, options: AxeCheckOptions): Promise<AxeResults> {
  const html = await page.evaluate(() => {
    const copy = document.documentElement.cloneNode(true) as HTMLElement;
    copy.querySelectorAll("script").forEach((s) => s.remove());
    return `<!DOCTYPE html>${copy.outerHTML}`;
  });
  const url = page.url();
  const browser = page.context().browser();
  if (!browser) throw new Error("runAxe: the page's browser is not reachable");
  const scratch = await browser.newContext({ viewport: page.viewportSize(), javaScriptEnabled: true });
  try {
    const twin = await scratch.newPage();
    await twin.route(url, (route) =>
      route.request().resourceType() === "document"
        ? route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: html })
        : route.continue(),
    );
    await twin.goto(url);
    return await axeRun(twin, options);
  } finally {
    await scratch.close();
  }
}

async function axeRun(page: Page, { include, exclude, runOptions }: AxeCheckOptions): Promise<AxeResults> {
  const loaded = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe !== "undefined");
  if (!loaded) await page.evaluate(axeSource);
  return page.evaluate(
    async ({ include, exclude, runOptions }) => {
      const axe = (window as unknown as { axe: typeof import("axe-core") }).axe;
      const context = { include: include ? [include] : [document as unknown as string], exclude: exclude ?? [] };
      return axe.run(context as never, { resultTypes: ["violations"], ...runOptions });
    },
    { include, exclude, runOptions },
  );
}

/** Fails with a readable list of every violation (rule, impact, why, where) unless there are none. */
export async function expectNoAxeViolations(page: Page, options?: AxeCheckOptions): Promise<void> {
  const results = await runAxe(page, options);
  if (results.violations.length === 0) return;
  throw new Error(`axe found ${results.violations.length} accessibility violation(s) on ${page.url()}:\n\n${formatViolations(results.violations)}`);
}

export function formatViolations(violations: Result[]): string {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .slice(0, 10)
        .map((n) => {
          const summary = (n.failureSummary ?? "").split("\n").map((l) => `        ${l.trim()}`).join("\n");
          return `    - ${n.target.join(" ")}\n      ${n.html.slice(0, 200)}\n${summary}`;
        })
        .join("\n");
      const more = v.nodes.length > 10 ? `\n    … and ${v.nodes.length - 10} more` : "";
      return `• ${v.id} [${v.impact ?? "n/a"}]: ${v.help}\n  ${v.helpUrl}\n${nodes}${more}`;
    })
    .join("\n\n");
}
