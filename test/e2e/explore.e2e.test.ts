import { test, expect, describe, runAxe } from "./support";
describe("nojs", () => {
  test.scoped({ contextOptions: { javaScriptEnabled: false } });
  test("evaluate", async ({ page }) => {
    await page.goto("/");
    console.log("eval", await page.evaluate(() => history.length));
    const r = await runAxe(page);
    console.log("axe", r.violations.length);
  });
});
test("foreign fails", async ({ page }) => {
  await page.goto("/");
  await page.goto("https://example.com/").catch((e) => console.log("goto err", String(e).slice(0, 80)));
});
