import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addMonths } from "~/cases/cases.server";
import { MAX_ITEMS, normaliseUrl, parseItems, parseStep, REQUEST_STEPS, STEP_FIELDS } from "~/cases/request";

const common = JSON.parse(readFileSync("locales/en/common.json", "utf8"));
const hasKey = (key: string) => key.split(".").reduce((node: any, part) => node?.[part], common) !== undefined;

const anyText = fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.lorem(), fc.webUrl(), fc.constant(""));
const lines = (arb: fc.Arbitrary<string>) => fc.array(arb, { maxLength: 30 }).map((l) => l.join("\n"));
const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-fA-F]{${n}}$`));

/** Property-based: whatever a person or an attacker types, the schema answers clearly and never lets bad data through. */
describe("the request schema", () => {
  it("never throws, and every error it gives is a translated message", () => {
    const steps = REQUEST_STEPS.filter((s) => s !== "review") as Exclude<(typeof REQUEST_STEPS)[number], "review">[];
    fc.assert(
      fc.property(fc.constantFrom(...steps), fc.dictionary(fc.constantFrom(...Object.values(STEP_FIELDS).flat(), "other"), anyText), (step, form) => {
        const result = parseStep(step, form);
        if (!result.ok) {
          expect(result.errors.length).toBeGreaterThan(0);
          for (const error of result.errors) expect(hasKey(error.key), error.key).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("accepts only well-formed items, at most 200, each once", () => {
    fc.assert(
      fc.property(
        fc.record({
          urls: lines(fc.oneof(fc.webUrl(), fc.domain(), fc.string())),
          pdq: lines(fc.oneof(hex(64), fc.string())),
          sha256: lines(fc.oneof(hex(64), fc.string())),
          md5: lines(fc.oneof(hex(32), fc.string())),
          references: lines(fc.string({ maxLength: 250 })),
        }),
        (text) => {
          const result = parseItems(text);
          if (!result.ok) return;
          expect(result.items.length).toBeGreaterThan(0);
          expect(result.items.length).toBeLessThanOrEqual(MAX_ITEMS);
          expect(new Set(result.items.map((i) => `${i.kind}:${i.value}`)).size).toBe(result.items.length);
          for (const item of result.items) {
            if (item.kind === "url") expect(item.value).toMatch(/^https?:\/\/[^\s]+$/);
            if (item.kind === "pdq" || item.kind === "sha256") expect(item.value).toMatch(/^[0-9a-f]{64}$/);
            if (item.kind === "md5") expect(item.value).toMatch(/^[0-9a-f]{32}$/);
            if (item.kind === "reference") expect(item.value.length).toBeLessThanOrEqual(200);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("reports every bad line by its number", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(hex(32), fc.constant("nope")), { minLength: 1, maxLength: 20 }), (entries) => {
        const result = parseItems({ urls: "", pdq: "", sha256: "", md5: entries.join("\n"), references: "" });
        const bad = entries.map((e, i) => (e === "nope" ? i + 1 : 0)).filter(Boolean);
        if (bad.length === 0) expect(result.ok).toBe(true);
        else expect(!result.ok && result.errors.map((e) => e.params?.line)).toEqual(bad);
      }),
    );
  });

  it("normalises web addresses once and for all", () => {
    fc.assert(
      fc.property(fc.oneof(fc.webUrl(), fc.domain(), fc.string()), (input) => {
        const once = normaliseUrl(input);
        if (once) expect(normaliseUrl(once)).toBe(once);
      }),
    );
    expect(normaliseUrl("javascript:alert(1)")).toBeNull();
    expect(normaliseUrl("ftp://example.com/x")).toBeNull();
    expect(normaliseUrl("www.example.com/a b")).toBeNull();
    expect(normaliseUrl("example.com/x")).toBe("https://example.com/x");
  });

  it("counts the answer due date in calendar months", () => {
    expect(addMonths(new Date("2026-01-31T12:00:00Z"), 1).toISOString()).toBe("2026-02-28T12:00:00.000Z");
    expect(addMonths(new Date("2026-11-22T05:00:00Z"), 1).toISOString()).toBe("2026-12-22T05:00:00.000Z");
    expect(addMonths(new Date("2026-12-15T00:00:00Z"), 3).toISOString()).toBe("2027-03-15T00:00:00.000Z");
  });
});
