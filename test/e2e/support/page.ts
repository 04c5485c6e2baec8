import type { Page } from "playwright-core";

/**
 * Wait until React has hydrated the page. Before that, links and buttons are
 * the server's plain HTML: the quick exit is then an ordinary link and Shift×3
 * does nothing, so tests of JavaScript behaviour must wait for this.
 * (React marks the elements it owns with __reactProps$… properties.)
 */
export async function waitForHydration(page: Page, selector = "body", timeout = 10_000): Promise<void> {
  try {
    await page.waitForFunction(
      (sel) => {
        const el = document.querySelector(sel);
        return !!el && Object.keys(el).some((k) => k.startsWith("__reactProps$") || k.startsWith("__reactFiber$"));
      },
      selector,
      { timeout },
    );
  } catch (error) {
    const seen = pageProblems(page);
    const detail = seen.length ? `\nWhat went wrong in the page:\n  ${seen.join("\n  ")}` : "";
    throw new Error(`The page at ${page.url()} did not hydrate within ${timeout} ms.${detail}`, { cause: error });
  }
}

const problems = new WeakMap<Page, string[]>();

/**
 * Keep what goes wrong in a page (script errors, console errors, failed or
 * 4xx/5xx requests), so a failing test can say why. The e2e fixtures watch
 * every page of their context this way.
 */
export function watchPage(page: Page): void {
  if (problems.has(page)) return;
  const list: string[] = [];
  problems.set(page, list);
  const add = (line: string) => list.length < 50 && list.push(line);
  page.on("pageerror", (error) => add(`script error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") add(`console error: ${message.text()}`);
  });
  page.on("requestfailed", (request) => add(`request failed: ${request.method()} ${request.url()} (${request.failure()?.errorText})`));
  page.on("response", (response) => {
    if (response.status() >= 400) add(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
  });
}

/** What watchPage saw go wrong in this page so far. */
export function pageProblems(page: Page): string[] {
  return [...(problems.get(page) ?? [])];
}

export interface NavigationHistory {
  currentIndex: number;
  urls: string[];
}

/**
 * The tab's session history as the browser keeps it (what Back walks through),
 * read through the DevTools protocol so it works with JavaScript disabled too.
 */
export async function navigationHistory(page: Page): Promise<NavigationHistory> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { currentIndex, entries } = await cdp.send("Page.getNavigationHistory");
    return { currentIndex, urls: entries.map((e) => e.url) };
  } finally {
    await cdp.detach();
  }
}

/** The page's <html lang> and <html dir>. */
export async function documentLanguage(page: Page): Promise<{ lang: string | null; dir: string | null }> {
  const html = page.locator("html");
  return { lang: await html.getAttribute("lang"), dir: await html.getAttribute("dir") };
}
