import { readFileSync } from "node:fs";
import type { BrowserContext, Page } from "playwright-core";
import { CASE_SESSION_COOKIE } from "~/sessions/session.server";
import type { CaseExport } from "~/privacy/export.server";
import { Client, fileRequest, VALID_REQUEST } from "../support/client";
import { describe, expect, expectNoAxeViolations, screenshot, test, tr, viewports, waitForHydration } from "./support";

/**
 * The requester's privacy rights in real Chromium, with JavaScript on and
 * off, in English and Arabic: the data page and its JSON download (never a
 * web address of the material), and erasure (explained, confirmed, final).
 */

const EMAIL = "e2e.private.person@example.org";
const MESSAGE = "I would like to know everything you keep.";

/**
 * File a request over HTTP (the request form has its own browser tests), with
 * e-mail contact and a message. Filing signs the person in, and the browser
 * gets that session cookie: these tests never type the secret, because every
 * sign-in attempt counts against this machine's address, which all tests share.
 */
async function signedIn(context: BrowserContext, page: Page, baseURL: string, lng: string, javaScript: boolean) {
  const client = new Client(baseURL);
  const receipt = await fileRequest(client, { ...VALID_REQUEST, contact: { contactMethod: "email", email: EMAIL, organisation: "" } } as any);
  const sent = await client.post("/case/messages", { body: MESSAGE });
  if (sent.status !== 302) throw new Error(`message not sent: ${sent.status}`);
  const session = client.cookies.get(CASE_SESSION_COOKIE);
  if (!session) throw new Error("filing did not sign the person in");
  await context.addCookies([{ name: CASE_SESSION_COOKIE, value: session, url: baseURL, httpOnly: true, sameSite: "Strict" }]);
  await page.goto(`/case/status?lng=${lng}`);
  await page.waitForURL(/\/case\/status/);
  if (javaScript) await waitForHydration(page);
  return receipt;
}

/** Follow a link of the requester's navigation, as a person would. */
async function openFromNav(page: Page, label: string, path: RegExp, heading: string, javaScript: boolean) {
  await Promise.all([page.waitForURL(path), page.locator(".case-nav").getByRole("link", { name: label, exact: true }).click()]);
  // With JavaScript the address changes a moment before the new page renders.
  await page.locator("h1", { hasText: heading }).waitFor();
  await page.waitForLoadState("networkidle");
  if (javaScript) await waitForHydration(page);
}

for (const javaScript of [true, false]) {
  for (const lng of ["en", "ar"]) {
    const tag = `privacy-${lng}-${javaScript ? "js" : "nojs"}`;

    describe(`${lng}, JavaScript ${javaScript ? "on" : "off"}`, () => {
      test.scoped({ contextOptions: { javaScriptEnabled: javaScript } });

      test("the data page shows everything held, and downloads it as a file in the same language", async ({ page, context, baseURL }) => {
        const { reference } = await signedIn(context, page, baseURL, lng, javaScript);
        await openFromNav(page, tr(lng, "nav.export", "case"), /\/case\/export$/, tr(lng, "export.title", "privacy"), javaScript);

        expect(await page.locator("html").getAttribute("dir")).toBe(lng === "ar" ? "rtl" : "ltr");
        await expect(page.locator("h1").textContent()).resolves.toBe(tr(lng, "export.title", "privacy"));
        const main = (await page.locator("main").textContent())!;
        for (const expected of [reference, EMAIL, MESSAGE, "d41d8cd98f00b204e9800998ecf8427e", tr(lng, "export.processing.title", "privacy"), tr(lng, "export.rights.title", "privacy")])
          expect(main).toContain(expected);
        const html = await page.content();
        for (const never of ["files.example.net", "example.org/gallery"]) expect(html).not.toContain(never);
        // Someone's own words keep their direction.
        await expect(page.locator("dd", { hasText: MESSAGE }).getAttribute("dir")).resolves.toBe("auto");
        if (javaScript) await expectNoAxeViolations(page);
        await screenshot(page, `${tag}-export`);

        const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-download").click()]);
        expect(download.suggestedFilename()).toMatch(/^export-\d{4}-\d{2}-\d{2}\.json$/);
        const document = JSON.parse(readFileSync((await download.path())!, "utf8")) as CaseExport;
        expect(document.language).toBe(lng);
        expect(document.title).toBe(tr(lng, "export.title", "privacy"));
        expect(document.data.contact.email).toBe(EMAIL);
        expect(document.data.messages.map((m) => m.body)).toEqual([MESSAGE]);
        expect(JSON.stringify(document)).not.toContain("files.example.net");
      });

      test("erasure explains what goes and what stays, needs a confirmation, and is final", async ({ page, context, baseURL }) => {
        await signedIn(context, page, baseURL, lng, javaScript);
        await openFromNav(page, tr(lng, "nav.erase", "case"), /\/case\/erase$/, tr(lng, "erase.title", "privacy"), javaScript);

        await expect(page.locator("h1").textContent()).resolves.toBe(tr(lng, "erase.title", "privacy"));
        const main = (await page.locator("main").textContent())!;
        expect(main).toContain(tr(lng, "erase.now.title", "privacy"));
        expect(main).toContain(tr(lng, "erase.kept.title", "privacy"));
        if (javaScript) await expectNoAxeViolations(page);
        await screenshot(page, `${tag}-erase`);

        // Without the confirmation nothing happens, and the error says why.
        await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), page.locator("main .actions button[type=submit]").click()]);
        await page.waitForLoadState("networkidle");
        await expect(page.locator(".error-summary a[href='#field-confirm']").textContent()).resolves.toBe(tr(lng, "erase.errors.confirm", "privacy"));
        if (javaScript) await expectNoAxeViolations(page);
        await screenshot(page, `${tag}-erase-error`);

        await page.locator("#field-confirm").check();
        await Promise.all([page.waitForURL(/\/case\?erased=1$/), page.locator("main .actions button[type=submit]").click()]);
        await expect(page.getByTestId("erased-notice").textContent()).resolves.toBe(tr(lng, "signIn.erased", "case"));
        if (javaScript) await expectNoAxeViolations(page);
        await screenshot(page, `${tag}-erased`);

        // Signed out: the session is gone (the HTTP tests show the reference and secret no longer open anything).
        await page.goto("/case/status");
        expect(new URL(page.url()).pathname).toBe("/case");
      });
    });
  }
}

describe("phone (320 px)", () => {
  test.scoped({ contextOptions: viewports.phone });

  test("the data page fits the screen", async ({ page, context, baseURL }) => {
    await signedIn(context, page, baseURL, "en", true);
    await page.goto("/case/export");
    await waitForHydration(page);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    await expectNoAxeViolations(page);
    await screenshot(page, "privacy-en-phone-export");
  });
});
