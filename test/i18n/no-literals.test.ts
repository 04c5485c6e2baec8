import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * Every user-visible string goes through i18next: no text between JSX tags,
 * and no literal in an attribute a person reads or hears.
 */
const VISIBLE_ATTRIBUTES = new Set(["alt", "title", "placeholder", "aria-label", "aria-description", "aria-valuetext", "label", "value"]);
// Characters that are punctuation or layout, not words.
const NOT_WORDS = /^[\s\p{P}\p{S}\d]*$/u;

function tsxFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return tsxFiles(full);
    return full.endsWith(".tsx") ? [full] : [];
  });
}

function literalsIn(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const where = (node: ts.Node) => `${path.relative(process.cwd(), file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const visit = (node: ts.Node) => {
    if (ts.isJsxText(node) && !NOT_WORDS.test(node.text)) found.push(`${where(node)} text "${node.text.trim()}"`);
    if (ts.isJsxAttribute(node) && VISIBLE_ATTRIBUTES.has(node.name.getText()) && node.initializer) {
      const init = node.initializer;
      const literal = ts.isStringLiteral(init)
        ? init.text
        : ts.isJsxExpression(init) && init.expression && ts.isStringLiteral(init.expression)
          ? init.expression.text
          : undefined;
      // value="1" on a radio button is data, not words.
      if (literal !== undefined && !NOT_WORDS.test(literal) && node.name.getText() !== "value")
        found.push(`${where(node)} ${node.name.getText()}="${literal}"`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("components", () => {
  it("contain no untranslated text", () => {
    const found = tsxFiles(path.resolve("app")).flatMap(literalsIn);
    expect(found).toEqual([]);
  });
});
