import type { Page } from "playwright-core";
import { describe, expect, expectNoAxeViolations, NEUTRAL_PAGE_TITLE, screenshot, test, tr, waitForHydration } from "./support";

/**
 * The victim's request in real Chromium, with JavaScript on and off, in
 * English and in Arabic: file, keep the reference and secret, sign out, sign
 * back in, follow the status, add an item, send a message, withdraw.
 */
const TYPED_URL = "https://files.example.net/some/path/4711.jpg";

/**
 * Press the page's main button and wait for the answer: a new page without
 * JavaScript, a client-side navigation or re-render with it. `expected` is the
 * path the person should land on (the same page when the answer is an error).
 */
async function submit(page: Page, expected: RegExp) {
  const answered = page.waitForResponse((r) => r.request().method() === "POST");
  await page.locator("main .actions button[type=submit]").first().click();
  await answered;
  await page.waitForURL(expected);
  await page.waitForLoadState("networkidle");
}

/** Every page of the flow keeps the quick exit, never has a named file input, and is accessible. */
async function checkPage(page: Page, name: string, axe: boolean) {
  await expect(page.locator("[data-testid=quick-exit]").count()).resolves.toBe(1);
  const namedFileInputs = await page.locator("form input[type=file][name]").count();
  expect(namedFileInputs, `${name}: a form would send a file`).toBe(0);
  await expect(page.locator("form[enctype='multipart/form-data']").count()).resolves.toBe(0);
  if (axe) await expectNoAxeViolations(page);
  await screenshot(page, name);
}

async function fileRequest(page: Page, lng: string, tag: string, axe: boolean) {
  await page.goto(`/request?lng=${lng}`);
  await checkPage(page, `${tag}-start`, axe);
  await Promise.all([page.waitForURL("**/request/who"), page.locator("main a.button--primary").click()]);

  await page.locator("input[name=relation][value=self]").check();
  await checkPage(page, `${tag}-who`, axe);
  await submit(page, /\/request\/where$/);

  await page.locator("select[name=country]").selectOption("NL");
  await checkPage(page, `${tag}-where`, axe);
  await submit(page, /\/request\/what$/);

  await page.locator("input[name=wants][value=both]").check();
  await submit(page, /\/request\/items$/);

  // A mistake first: the error summary links to the field and what was typed stays.
  await page.locator("textarea[name=urls]").fill("not a web address");
  await submit(page, /\/request\/items$/);
  // With JavaScript the URL does not change: wait for the answer to be drawn.
  await page.locator(".error-summary a[href='#field-urls']").waitFor();
  await expect(page.locator("textarea[name=urls]").inputValue()).resolves.toBe("not a web address");
  await checkPage(page, `${tag}-items-error`, axe);
  await page.locator("textarea[name=urls]").fill(TYPED_URL);
  await page.locator("details.disclosure > summary").first().click();
  await page.locator("textarea[name=md5]").fill("d41d8cd98f00b204e9800998ecf8427e");
  await submit(page, /\/request\/detail$/);

  await page.locator("input[name=disclosure][value=full]").check();
  await submit(page, /\/request\/contact$/);
  await page.locator("input[name=contactMethod][value=none]").check();
  await submit(page, /\/request\/review$/);

  await checkPage(page, `${tag}-review`, axe);
  await submit(page, /\/request\/review$/);

  const reference = (await page.getByTestId("case-reference").textContent())!.trim();
  const secret = (await page.getByTestId("case-secret").textContent())!.trim();
  expect(reference).toMatch(/^\d{4} \d{4} \d{4}$/);
  expect(secret).toMatch(/^\d{4} \d{4} \d{4} \d{4}$/);
  await checkPage(page, `${tag}-receipt`, axe);
  return { reference, secret };
}

for (const javaScriptEnabled of [true, false]) {
  for (const lng of ["en", "ar"]) {
    const tag = `request-${lng}-${javaScriptEnabled ? "js" : "nojs"}`;
    describe(`${lng}, JavaScript ${javaScriptEnabled ? "on" : "off"}`, () => {
      test.scoped({ contextOptions: { javaScriptEnabled } });

      test("file, sign out, sign back in, follow, add, message, withdraw, leave", async ({ page, quickExitUrl }) => {
        // Axe on every page once per language, with JavaScript on (the rendered result is the same).
        const axe = javaScriptEnabled;
        const { reference, secret } = await fileRequest(page, lng, tag, axe);
        expect(await page.locator("html").getAttribute("dir")).toBe(lng === "ar" ? "rtl" : "ltr");

        // Filing signed the person in: the status page shows the reference, never the typed address.
        await page.goto("/case/status");
        if (javaScriptEnabled) await waitForHydration(page);
        await expect(page.locator("main").textContent()).resolves.toContain(reference);
        expect(await page.content()).not.toContain("files.example.net");
        await checkPage(page, `${tag}-status`, axe);

        await Promise.all([page.waitForURL(/\/case(\?|$)/), page.locator(".case-nav form button").click()]);
        await expect(page.locator("main").textContent()).resolves.toContain(tr(lng, "signIn.signedOut", "case"));
        await checkPage(page, `${tag}-signed-out`, axe);

        // A wrong secret is refused without saying whether the reference exists. (Once per
        // run: every failure also counts against this machine's address.)
        if (lng === "en" && javaScriptEnabled) {
          await page.locator("input[name=reference]").fill(reference);
          await page.locator("input[name=secret]").fill("0000 0000 0000 0000");
          await submit(page, /\/case(\?index)?$/);
          await page.locator(".error-summary").waitFor();
          await expect(page.locator(".error-summary").textContent()).resolves.toContain(tr(lng, "signIn.errors.invalid", "case"));
        }

        await page.locator("input[name=reference]").fill(reference);
        await page.locator("input[name=secret]").fill(secret);
        await submit(page, /\/case\/status$/);
        await page.locator(".timeline li").first().waitFor();

        await page.goto("/case/items");
        await checkPage(page, `${tag}-add-items`, axe);
        await page.locator("textarea[name=references]").fill("Police case 2026/114");
        await submit(page, /\/case\/status$/);

        await page.goto("/case/messages");
        await page.locator("textarea[name=body]").fill("I found one more place.");
        await submit(page, /\/case\/messages/);
        await expect(page.locator(".messages").textContent()).resolves.toContain("I found one more place.");
        await checkPage(page, `${tag}-messages`, axe);

        await page.goto("/case/withdraw");
        await checkPage(page, `${tag}-withdraw`, axe);
        await submit(page, /\/case\/status$/);
        await expect(page.locator(".tag").first().textContent()).resolves.toBe(tr(lng, "statuses.withdrawn", "case"));

        // The quick exit leaves from inside the signed-in pages too: the neutral site replaces the page.
        if (javaScriptEnabled) {
          for (let i = 0; i < 3; i++) await page.keyboard.press("Shift");
        } else {
          await page.getByTestId("quick-exit").click();
        }
        await page.waitForURL(quickExitUrl);
        await expect(page.title()).resolves.toBe(NEUTRAL_PAGE_TITLE);
      });
    });
  }
}

describe("sign-in limits", () => {
  test("guessing stops with a clear message", async ({ page }) => {
    await page.goto("/case");
    let text = "";
    for (let i = 0; i < 6; i++) {
      await page.locator("input[name=reference]").fill("1234 5678 9012");
      await page.locator("input[name=secret]").fill(`1111 1111 1111 ${String(1000 + i)}`);
      await submit(page, /\/case(\?index)?$/);
      await page.locator(".error-summary").waitFor();
      text = (await page.locator(".error-summary").textContent()) ?? "";
      if (text.includes("Too many attempts")) break;
    }
    expect(text).toContain("Too many attempts");
    await screenshot(page, "request-rate-limited");
  });
});
