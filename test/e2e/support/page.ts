import type { Page } from "playwright-core";

/**
 * Wait until React has hydrated the page. Before that, links and buttons are
 * the server's plain HTML: the quick exit is then an ordinary link and Shift×3
 * does nothing, so tests of JavaScript behaviour must wait for this.
 * (React marks the elements it owns with __reactProps$… properties.)
 */
export async function waitForHydration(page: Page, selector = "body", timeout = 10_000): Promise<void> {
  await page.waitForFunction(
    (sel) => {
      const el = document.querySelector(sel);
      return !!el && Object.keys(el).some((k) => k.startsWith("__reactProps$") || k.startsWith("__reactFiber$"));
    },
    selector,
    { timeout },
  );
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
