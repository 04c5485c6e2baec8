import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateTOTP } from "@oslojs/otp";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { expect } from "vitest";
import { expectNoAxeViolations } from "./axe";
import { newPortalContext } from "./browser";
import { test as base } from "./fixtures";
import { tr } from "./i18n";
import { recordRequests } from "./requests";
import { screenshot } from "./screenshots";
import { ROOT, startPortal, type PortalServer } from "./server";

/**
 * Staff in the browser: a portal of their own per test file (staff tests
 * create accounts), the CLI as an operator runs it, set-up links, TOTP.
 */
export const staffTest = base.extend<{ portal: PortalServer }>({
  portal: [
    async ({}, use) => {
      const portal = await startPortal({ logFile: path.join(ROOT, `test-results/e2e-staff-server-${process.pid}.log`) });
      await use(portal);
      await portal.stop();
    },
    { scope: "file" },
  ],
});

const run = promisify(execFile);


export const PASSWORDS = { admin: "violet harbour kettle 82", caseworker: "quiet meadow lantern 19", worker: "copper river notebook 64" };

/** `npx reclaim …` against the portal's database, as an operator runs it. */
export async function reclaim(portal: PortalServer, ...args: string[]) {
  const { stdout } = await run(process.execPath, ["bin/reclaim.js", ...args], { cwd: ROOT, env: { ...process.env, ...portal.env } });
  return stdout;
}

/** The link printed or shown (http://localhost:PORT/…) as a path on the portal under test. */
export const pathOf = (link: string) => new URL(link).pathname;

/** A fresh browser on the portal, with the same-origin check of the shared fixtures. */
export async function openBrowser(browser: Browser, portal: PortalServer, javaScriptEnabled = true): Promise<{ context: BrowserContext; page: Page; done: () => Promise<void> }> {
  const context = await newPortalContext(browser, portal.url, { javaScriptEnabled });
  const log = await recordRequests(context, { origin: portal.url });
  const page = await context.newPage();
  return {
    context,
    page,
    done: async () => {
      await context.close();
      log.expectSameOrigin();
    },
  };
}

/** Press the form's submit button and wait for the page the server answers with. */
export async function submit(page: Page, expected: RegExp, button = "main form button[type=submit]") {
  const answered = page.waitForResponse((r) => r.request().method() === "POST");
  await page.locator(button).first().click();
  await answered;
  await page.waitForURL(expected);
  await page.waitForLoadState("networkidle");
}

/** Wait for the page (loaded, or rendered after a client-side navigation) to have this heading. */
export async function heading(page: Page, text: string) {
  await page.locator("h1", { hasText: text }).waitFor();
}

export async function check(page: Page, name: string) {
  await expectNoAxeViolations(page);
  await screenshot(page, `staff-${name}`);
}

/** What an authenticator app shows now for the key the page displays. */
export async function codeFromKeyOnPage(page: Page): Promise<{ key: string; code: string }> {
  const key = (await page.getByTestId("totp-key").textContent())!.replace(/\s/g, "");
  expect(key).toMatch(/^[A-Z2-7]{32}$/);
  return { key, code: generateTOTP(decodeBase32IgnorePadding(key), 30, 6) };
}

/** Set a password through a set-up link; lands on the next step. */
export async function setUp(page: Page, link: string, password: string, name: string, expected: RegExp) {
  await page.goto(pathOf(link));
  await heading(page, tr("en", "setup.title", "staff"));
  await check(page, `${name}-setup`);
  await page.locator("input[name=password]").fill(password);
  await page.locator("input[name=confirm]").fill(password);
  await submit(page, expected);
}

/** Enrol TOTP on the set-up page; returns the key and the recovery codes shown once. */
export async function enrolTotp(page: Page, name: string) {
  await page.locator(".qr-code svg").waitFor();
  await check(page, `${name}-two-factor-setup`);
  // A wrong code first: the error is announced and linked to the field.
  await page.locator("input[name=code]").fill("000000");
  const { key, code } = await codeFromKeyOnPage(page);
  if (code === "000000") await page.locator("input[name=code]").fill("111111");
  await submit(page, /\/staff\/two-factor\/setup$/);
  await page.locator(".error-summary a[href='#field-code']").waitFor();
  await check(page, `${name}-two-factor-setup-error`);
  await page.locator("input[name=code]").fill((await codeFromKeyOnPage(page)).code);
  await submit(page, /\/staff\/two-factor\/recovery-codes$/);
  const codes = await page.locator("[data-testid=recovery-codes] code").allTextContents();
  expect(codes).toHaveLength(10);
  await check(page, `${name}-recovery-codes`);
  return { key, codes };
}


/** On the administrator's users page: invite someone and return the set-up link shown once. */
export async function invite(page: Page, role: string, email: string, name: string): Promise<string> {
  await page.locator("input[name=email]").fill(email);
  await page.locator("input[name=displayName]").fill(name);
  await page.locator("select[name=role]").selectOption(role);
  await submit(page, /\/staff\/admin(\?index)?$/, "main form:has(input[name=email]) button[type=submit]");
  // With JavaScript the URL may already match from an earlier invitation: wait for this one's row.
  await page.locator("tr", { hasText: name }).waitFor();
  return (await page.getByTestId("setup-link").textContent())!.trim();
}
