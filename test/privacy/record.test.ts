import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { main } from "~/cli/main.server";
import { UNANNOTATED_TABLES } from "~/privacy/annotations";
import { recordOfProcessing } from "~/privacy/record.server";
import { describeEachDatabase } from "../support/databases";
import { ownTables } from "../support/schema";

/** The Art. 30 record, generated from the annotations, describes every column of the schema. */
describeEachDatabase("record of processing", (get) => {
  it("describes every table and column of the migrated schema", async () => {
    const markdown = recordOfProcessing();
    const tables = (await ownTables(get())).filter((t) => !UNANNOTATED_TABLES.has(t.name));
    const sections = markdown.split(/^### /m).slice(1);
    const missing: string[] = [];
    for (const table of tables) {
      const section = sections.find((s) => s.startsWith(`${table.name}\n`));
      if (!section) missing.push(`${table.name} (table)`);
      else for (const column of table.columns) if (!section.includes(`| \`${column.name}\` |`)) missing.push(`${table.name}.${column.name}`);
    }
    expect(missing).toEqual([]);
  });
});

it("npx reclaim privacy:record prints the Markdown, with the configured retention periods", async () => {
  const saved = { ...process.env };
  Object.assign(process.env, { RETENTION_CLOSED_DAYS: "90", NODE_ENV: "test", RECLAIM_DATA_DIR: mkdtempSync(path.join(tmpdir(), "reclaim-record-")) });
  try {
    const out: string[] = [];
    expect(await main(["privacy:record"], (l) => out.push(l))).toBe(0);
    const text = out.join("\n");
    expect(text).toMatch(/^# Record of processing activities \(GDPR Art\. 30\)/);
    expect(text).toContain("completed or rejected cases: 90 days after closing");
    for (const heading of ["## Purposes of the processing", "## Categories of data subjects", "## Recipients", "## Time limits for erasure", "## Technical and organisational security measures (Art. 32)"])
      expect(text).toContain(heading);
    expect(text).toContain("| `email_enc` | Neutral update notices, only if the requester chose e-mail. | contact | consent |");
  } finally {
    process.env = saved;
  }
});
