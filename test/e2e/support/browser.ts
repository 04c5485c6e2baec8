import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from "playwright-core";

/** Debian's Chromium (`apt-get install chromium`); never a downloaded browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

/** Viewports the screenshots and layout checks use. */
export const viewports = {
  desktop: { viewport: { width: 1280, height: 800 } },
  phone: { viewport: { width: 320, height: 640 }, isMobile: true, hasTouch: true },
} satisfies Record<string, BrowserContextOptions>;

/**
 * A fresh context (no cookies, no history) on the portal. English is the
 * browser's language unless a test says otherwise, so language detection is
 * deterministic. Pass `javaScriptEnabled: false` for the no-JavaScript tests.
 */
export function newPortalContext(browser: Browser, baseURL: string, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  return browser.newContext({ ...viewports.desktop, locale: "en-GB", baseURL, ...options });
}
