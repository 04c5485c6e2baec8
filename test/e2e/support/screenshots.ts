import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { ROOT } from "./server";

export const SCREENSHOT_DIR = path.join(ROOT, "test-results/screenshots");

/**
 * Save a full-page screenshot as test-results/screenshots/NAME.png (gitignored)
 * for a person to look at. Returns the file's path.
 */
export async function screenshot(page: Page, name: string, { fullPage = true } = {}): Promise<string> {
  if (!/^[\w.-]+$/.test(name)) throw new Error(`screenshot name "${name}" must be a plain file name`);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage, animations: "disabled", caret: "hide" });
  return file;
}
