import { describe, expect, it } from "vitest";
import { annotations, UNANNOTATED_TABLES } from "~/privacy/annotations";
import { describeEachDatabase } from "../support/databases";
import { ownTables } from "../support/schema";

/**
 * Every column of the migrated schema says why it exists, what it holds, on
 * what basis and for how long: a column cannot be added without deciding its fate.
 */
describeEachDatabase("privacy annotations", (get) => {
  it("cover every table and column of the schema, and nothing that is not there", async () => {
    const tables = (await ownTables(get())).filter((t) => !UNANNOTATED_TABLES.has(t.name));
    const missing: string[] = [];
    for (const table of tables) {
      const annotation = annotations[table.name];
      if (!annotation) {
        missing.push(`${table.name} (table)`);
        continue;
      }
      for (const column of table.columns) if (!annotation.columns[column.name]) missing.push(`${table.name}.${column.name}`);
    }
    expect(missing, "columns without a privacy annotation").toEqual([]);

    const stale: string[] = [];
    for (const [name, annotation] of Object.entries(annotations)) {
      const table = tables.find((t) => t.name === name);
      if (!table) stale.push(`${name} (table)`);
      else for (const column of Object.keys(annotation.columns)) if (!table.columns.some((c) => c.name === column)) stale.push(`${name}.${column}`);
    }
    expect(stale, "annotations of columns that do not exist").toEqual([]);
  });
});

describe("annotations", () => {
  it("say something real for each column", () => {
    for (const [table, annotation] of Object.entries(annotations)) {
      expect(annotation.purpose.length, table).toBeGreaterThan(10);
      for (const [column, a] of Object.entries(annotation.columns)) {
        expect(a.purpose.length, `${table}.${column}`).toBeGreaterThan(5);
        expect(a.retention.length, `${table}.${column}`).toBeGreaterThan(5);
      }
    }
  });

  it("mark every column ending in _enc as encrypted", () => {
    for (const [table, annotation] of Object.entries(annotations))
      for (const [column, a] of Object.entries(annotation.columns)) if (column.endsWith("_enc")) expect(a.encrypted, `${table}.${column}`).toBe(true);
  });
});
