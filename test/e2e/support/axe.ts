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
 * DevTools protocol, which the CSP does not govern.
 */
export async function runAxe(page: Page, { include, exclude, runOptions }: AxeCheckOptions = {}): Promise<AxeResults> {
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
