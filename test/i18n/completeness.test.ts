import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { supportedLanguages } from "~/i18n/config";

/**
 * Every language has every key of English, none empty, with the same
 * interpolation variables; plural forms follow each language's own rules.
 */
const LOCALES = path.resolve("locales");
const PLURAL = /_(zero|one|two|few|many|other)$/;

type Tree = { [key: string]: string | Tree };
const flatten = (tree: Tree, prefix = ""): Record<string, string> =>
  Object.fromEntries(
    Object.entries(tree).flatMap(([key, value]) =>
      typeof value === "string" ? [[prefix + key, value]] : Object.entries(flatten(value, `${prefix}${key}.`)),
    ),
  );
const read = (lng: string, file: string) => flatten(JSON.parse(readFileSync(path.join(LOCALES, lng, file), "utf8")));
const variables = (text: string) => [...text.matchAll(/\{\{\s*([\w.]+)[^}]*\}\}/g)].map((m) => m[1]).sort();
const baseKey = (key: string) => key.replace(PLURAL, "");

const namespaces = readdirSync(path.join(LOCALES, "en")).filter((f) => f.endsWith(".json"));

describe("translations", () => {
  it("has a folder for every supported language and nothing else", () => {
    const folders = readdirSync(LOCALES).filter((f) => !f.startsWith("."));
    expect(folders.sort()).toEqual([...supportedLanguages].sort());
  });

  describe.each(supportedLanguages.filter((l) => l !== "en"))("%s", (lng) => {
    it.each(namespaces)("%s has every key of English, none empty, with the same variables", (ns) => {
      const en = read("en", ns);
      const other = read(lng, ns);
      const otherBases = new Set(Object.keys(other).map(baseKey));
      const rules = new Intl.PluralRules(lng);
      const categories = rules.resolvedOptions().pluralCategories;

      const missing = Object.keys(en).filter((k) => (PLURAL.test(k) ? !otherBases.has(baseKey(k)) : !(k in other)));
      expect(missing, `missing in ${lng}/${ns}`).toEqual([]);

      const extra = Object.keys(other).filter((k) => !(baseKey(k) in en) && !(k in en) && !Object.keys(en).some((e) => baseKey(e) === baseKey(k)));
      expect(extra, `keys in ${lng}/${ns} that English does not have`).toEqual([]);

      const empty = Object.entries(other).filter(([, v]) => v.trim() === "").map(([k]) => k);
      expect(empty, `empty in ${lng}/${ns}`).toEqual([]);

      for (const [key, text] of Object.entries(en)) {
        if (PLURAL.test(key)) continue;
        expect(variables(other[key]), `variables of ${lng}/${ns}:${key}`).toEqual(variables(text));
      }
      // Plural keys: each category the language uses is present, with English's variables.
      const pluralBases = [...new Set(Object.keys(en).filter((k) => PLURAL.test(k)).map(baseKey))];
      for (const base of pluralBases) {
        const enVars = variables(en[`${base}_other`]);
        for (const category of categories) {
          const text = other[`${base}_${category}`];
          expect(text, `${lng}/${ns}:${base}_${category}`).toBeTruthy();
          expect(variables(text).filter((v) => v !== "count"), `variables of ${lng}/${ns}:${base}_${category}`).toEqual(
            enVars.filter((v) => v !== "count"),
          );
        }
      }
    });
  });

  it("English itself has no empty values", () => {
    for (const ns of namespaces) {
      const empty = Object.entries(read("en", ns)).filter(([, v]) => v.trim() === "");
      expect(empty, ns).toEqual([]);
    }
  });
});
