import { nativeLanguageName, supportedLanguages } from "~/i18n/config";
import {
  describe,
  documentLanguage,
  expect,
  expectNoAxeViolations,
  navigationHistory,
  NEUTRAL_PAGE_TITLE,
  screenshot,
  test,
  tr,
  viewports,
  waitForHydration,
} from "./support";

/**
 * The page shell every public page shares: accessibility in both writing
 * directions, the language picker without JavaScript, the quick exit with and
 * without JavaScript, the skip link, no third-party requests, the 404 page.
 */

describe("home page", () => {
  test("English, desktop (1280 px): accessible, and nothing is fetched from another origin", async ({ page, requests, baseURL }) => {
    const response = await page.goto("/");
    expect(response?.status()).toBe(200);
    await waitForHydration(page);
    expect(await documentLanguage(page)).toEqual({ lang: "en", dir: "ltr" });
    await expect(page.locator("h1").textContent()).resolves.toBe(tr("en", "home.title"));
    await expectNoAxeViolations(page);
    await screenshot(page, "en-desktop");

    // The picker open, as a person sees it.
    await page.locator(".language-picker summary").click();
    await expectNoAxeViolations(page);
    await screenshot(page, "en-desktop-languages", { fullPage: false });

    // Sanity: the recorder saw the page's own assets, and nothing else.
    expect(requests.all.some((r) => r.url.startsWith(`${baseURL}/build/`))).toBe(true);
    expect(requests.foreign()).toEqual([]);
  });

  describe("phone (320 px)", () => {
    test.scoped({ contextOptions: viewports.phone });

    test("English: accessible, and nothing is wider than the screen", async ({ page }) => {
      await page.goto("/");
      await waitForHydration(page);
      await expectNoAxeViolations(page);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
      await screenshot(page, "en-phone");
      await page.locator(".language-picker summary").click();
      await screenshot(page, "en-phone-languages", { fullPage: false });
    });

    test("Arabic: accessible, and nothing is wider than the screen", async ({ page }) => {
      await page.goto("/?lng=ar");
      await waitForHydration(page);
      expect(await documentLanguage(page)).toEqual({ lang: "ar", dir: "rtl" });
      await expectNoAxeViolations(page);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
      await screenshot(page, "ar-phone");
      await page.locator(".language-picker summary").click();
      await screenshot(page, "ar-phone-languages", { fullPage: false });
    });

    // On a phone the picker sits at the start of its row, so its list must open
    // towards the end: anchored at the inline end it ran off the screen.
    for (const lng of ["en", "ar"]) {
      test(`the open language list fits on the screen (${lng})`, async ({ page }) => {
        await page.goto(`/?lng=${lng}`);
        await page.locator(".language-picker summary").click();
        const outside = await page.locator(".language-picker nav a").evaluateAll((links) =>
          links
            .map((a) => ({ name: a.textContent, box: a.getBoundingClientRect() }))
            .filter(({ box }) => box.left < 0 || box.right > document.documentElement.clientWidth)
            .map(({ name, box }) => `${name} (${Math.round(box.left)}–${Math.round(box.right)} px)`),
        );
        expect(outside).toEqual([]);
      });
    }
  });

  test("Arabic, desktop: right-to-left, lang=ar, accessible", async ({ page }) => {
    const response = await page.goto("/?lng=ar");
    expect(response?.status()).toBe(200);
    await waitForHydration(page);
    expect(await documentLanguage(page)).toEqual({ lang: "ar", dir: "rtl" });
    await expect(page.locator("h1").textContent()).resolves.toBe(tr("ar", "home.title"));
    // Hydration kept the server's language (no flash back to English).
    await expect(page.getByTestId("quick-exit").textContent()).resolves.toContain(tr("ar", "quickExit.label"));
    // The layout really runs right to left: the site name is at the right.
    const name = await page.locator(".site-name").boundingBox();
    expect(name!.x + name!.width).toBeGreaterThan(640);
    await expectNoAxeViolations(page);
    await screenshot(page, "ar-desktop");
    await page.locator(".language-picker summary").click();
    await expectNoAxeViolations(page);
    await screenshot(page, "ar-desktop-languages", { fullPage: false });
  });
});

describe("language picker", () => {
  test("names each language in itself", async ({ page }) => {
    await page.goto("/");
    const links = page.locator(".language-picker nav a");
    await expect(links.count()).resolves.toBe(supportedLanguages.length);
    for (const lng of supportedLanguages) {
      const link = page.locator(`.language-picker nav a[hreflang="${lng}"]`);
      await expect(link.getAttribute("lang")).resolves.toBe(lng);
      await expect(link.textContent()).resolves.toBe(nativeLanguageName(lng));
    }
  });

  describe("without JavaScript", () => {
    test.scoped({ contextOptions: { javaScriptEnabled: false } });

    test("switches to Dutch, and Dutch sticks on the next page load", async ({ page, context }) => {
      await page.goto("/");
      expect((await documentLanguage(page)).lang).toBe("en");
      await expectNoAxeViolations(page);

      await page.locator(".language-picker summary").click();
      await page.getByRole("link", { name: "Nederlands" }).click();
      await page.waitForURL(/[?&]lng=nl\b/);
      expect(await documentLanguage(page)).toEqual({ lang: "nl", dir: "ltr" });
      await expect(page.locator("h1").textContent()).resolves.toBe(tr("nl", "home.title"));
      await expect(page.locator(".language-picker nav a[aria-current]").getAttribute("hreflang")).resolves.toBe("nl");
      // A session cookie: nothing about the visit outlives the browser.
      const cookie = (await context.cookies()).find((c) => c.name === "lng");
      expect(cookie?.expires).toBe(-1);

      // A fresh load of another page, without ?lng=, stays Dutch.
      const response = await page.goto("/");
      expect(response?.status()).toBe(200);
      expect((await documentLanguage(page)).lang).toBe("nl");
      await expect(page.locator("h1").textContent()).resolves.toBe(tr("nl", "home.title"));
      await screenshot(page, "nl-desktop-nojs");
    });
  });
});

describe("quick exit", () => {
  /** Arrive at the portal by following a link from another site, as a person would. */
  async function arriveFromElsewhere(page: import("playwright-core").Page, url: string) {
    await page.goto(`data:text/html,<a href="${url}">portal</a>`);
    await page.click("a");
    await page.waitForURL(url);
  }

  test("with JavaScript, replaces the portal's history entry with the neutral page", async ({ page, baseURL, quickExitUrl, requests }) => {
    await arriveFromElsewhere(page, `${baseURL}/`);
    await waitForHydration(page);
    const before = await navigationHistory(page);

    await page.getByTestId("quick-exit").click();
    await page.waitForURL(quickExitUrl);
    await expect(page.title()).resolves.toBe(NEUTRAL_PAGE_TITLE);

    // Same number of entries: the portal's entry was replaced, not pushed.
    const after = await navigationHistory(page);
    expect(after.urls.length).toBe(before.urls.length);
    expect(after.urls.at(-1)).toBe(quickExitUrl);
    expect(after.urls).not.toContain(`${baseURL}/`);
    // Back leads to the site the person came from, not to the portal.
    await page.goBack();
    expect(page.url()).toMatch(/^data:text\/html/);
    // And the neutral site is not told where the person came from.
    const exit = requests.all.find((r) => r.url === quickExitUrl);
    expect(exit?.referer).toBeUndefined();
  });

  test("with JavaScript, only the current page is replaced: earlier portal pages stay in the history", async ({ page, baseURL, quickExitUrl }) => {
    // What Chromium actually does with location.replace(): the entry of the
    // page showing is replaced; entries of portal pages visited before it in
    // the same tab remain, and Back returns to them. Browsers offer no way
    // for a page to remove them. If the portal ever avoids this, update this test.
    await arriveFromElsewhere(page, `${baseURL}/`);
    await page.goto("/?lng=en");
    await waitForHydration(page);
    const before = await navigationHistory(page);

    await page.getByTestId("quick-exit").click();
    await page.waitForURL(quickExitUrl);
    const after = await navigationHistory(page);
    expect(after.urls.length).toBe(before.urls.length);
    expect(after.urls).not.toContain(`${baseURL}/?lng=en`);
    expect(after.urls).toContain(`${baseURL}/`);
    await page.goBack();
    expect(page.url()).toBe(`${baseURL}/`);
  });

  test("pressing Shift three times leaves; two presses, or presses broken by another key, do not", async ({ page, baseURL, quickExitUrl }) => {
    await arriveFromElsewhere(page, `${baseURL}/`);
    await waitForHydration(page);
    const before = await navigationHistory(page);

    await page.keyboard.press("Shift");
    await page.keyboard.press("Shift");
    await page.keyboard.press("a");
    await page.keyboard.press("Shift");
    await page.waitForTimeout(300);
    expect(page.url()).toBe(`${baseURL}/`);

    await page.keyboard.press("Shift");
    await page.keyboard.press("Shift");
    await page.waitForURL(quickExitUrl);
    await expect(page.title()).resolves.toBe(NEUTRAL_PAGE_TITLE);
    expect((await navigationHistory(page)).urls.length).toBe(before.urls.length);
  });

  describe("without JavaScript", () => {
    test.scoped({ contextOptions: { javaScriptEnabled: false } });

    test("is a plain link to the neutral site", async ({ page, baseURL, quickExitUrl, requests }) => {
      await arriveFromElsewhere(page, `${baseURL}/`);
      const link = page.getByTestId("quick-exit");
      await expect(link.getAttribute("href")).resolves.toBe(quickExitUrl);
      const before = await navigationHistory(page);

      await link.click();
      await page.waitForURL(quickExitUrl);
      await expect(page.title()).resolves.toBe(NEUTRAL_PAGE_TITLE);
      // A plain link pushes a new entry: Back returns to the portal. That is
      // the known limit without JavaScript (the portal's copy says so).
      expect((await navigationHistory(page)).urls.length).toBe(before.urls.length + 1);
      expect(requests.all.find((r) => r.url === quickExitUrl)?.referer).toBeUndefined();
    });
  });
});

describe("skip link", () => {
  test("is the first thing Tab reaches, shows itself, and moves focus to the main content", async ({ page }) => {
    await page.goto("/");
    await waitForHydration(page);
    await page.keyboard.press("Tab");
    const focused = page.locator(":focus");
    await expect(focused.getAttribute("href")).resolves.toBe("#main");
    await expect(focused.textContent()).resolves.toBe(tr("en", "shell.skipToContent"));
    const box = await focused.boundingBox();
    expect(box && box.y >= 0 && box.y + box.height <= 800).toBe(true);

    await page.keyboard.press("Enter");
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe("main");
  });

  describe("without JavaScript", () => {
    test.scoped({ contextOptions: { javaScriptEnabled: false } });

    test("is the first thing Tab reaches", async ({ page }) => {
      await page.goto("/?lng=ar");
      await page.keyboard.press("Tab");
      await expect(page.locator(":focus").getAttribute("href")).resolves.toBe("#main");
    });
  });
});

describe("404", () => {
  test("renders in English with status 404, accessible", async ({ page }) => {
    const response = await page.goto("/no-such-page");
    expect(response?.status()).toBe(404);
    await waitForHydration(page);
    await expect(page.locator("h1").textContent()).resolves.toBe(tr("en", "error.notFoundTitle"));
    await expectNoAxeViolations(page);
    await screenshot(page, "en-404");
  });

  describe("without JavaScript", () => {
    test.scoped({ contextOptions: { javaScriptEnabled: false } });

    for (const lng of ["nl", "fr", "ar"]) {
      test(`renders translated (${lng}) with status 404`, async ({ page }) => {
        const response = await page.goto(`/no-such-page?lng=${lng}`);
        expect(response?.status()).toBe(404);
        await expect(page.locator("h1").textContent()).resolves.toBe(tr(lng, "error.notFoundTitle"));
        await expect(page.locator("main p").first().textContent()).resolves.toBe(tr(lng, "error.notFoundBody"));
        await expect(page.locator(".skip-link").textContent()).resolves.toBe(tr(lng, "shell.skipToContent"));
      });
    }
  });

  // Remix does not run the root loader for a URL that matches no route; the
  // catch-all route ($.tsx) makes it run, so the 404 keeps the whole shell
  // and the visitor's language.
  test("keeps the whole shell: quick exit, language picker, and the language's lang and dir", async ({ page, quickExitUrl }) => {
    await page.goto("/no-such-page?lng=ar");
    await screenshot(page, "ar-404");
    expect(await documentLanguage(page)).toEqual({ lang: "ar", dir: "rtl" });
    await expect(page.getByTestId("quick-exit").getAttribute("href")).resolves.toBe(quickExitUrl);
    await expect(page.locator(".language-picker").count()).resolves.toBe(1);
  });

  test("with JavaScript, stays in the chosen language once hydrated", async ({ page }) => {
    await page.goto("/no-such-page?lng=nl");
    await waitForHydration(page);
    await expect(page.locator("h1").textContent()).resolves.toBe(tr("nl", "error.notFoundTitle"));
    await expect(page.locator(".skip-link").textContent()).resolves.toBe(tr("nl", "shell.skipToContent"));
  });
});
