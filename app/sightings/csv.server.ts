/**
 * CSV as RFC 4180 writes it (comma-separated, fields in double quotes may hold
 * commas, quotes doubled, and line breaks), read incrementally so a file of
 * millions of rows never sits in memory. `line` is where the row starts.
 */
export interface CsvRow {
  line: number;
  fields: string[];
}

export class CsvParser {
  private field = "";
  private fields: string[] = [];
  private quoted = false;
  /** Just read a quote inside a quoted field: either its end or the first of a doubled quote. */
  private quotePending = false;
  private line = 1;
  private rowLine = 1;
  private sawAnything = false;
  private lastWasCr = false;

  /** Feed a chunk; returns the rows it completed. */
  push(chunk: string): CsvRow[] {
    const rows: CsvRow[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk[i];
      if (this.lastWasCr) {
        this.lastWasCr = false;
        if (ch === "\n" && !this.quoted) continue;
      }
      if (this.quotePending) {
        this.quotePending = false;
        if (ch === '"') {
          this.field += '"';
          continue;
        }
        this.quoted = false;
      }
      if (this.quoted) {
        if (ch === '"') this.quotePending = true;
        else {
          if (ch === "\n") this.line++;
          this.field += ch;
        }
        continue;
      }
      if (ch === '"' && this.field === "") {
        this.quoted = true;
        this.sawAnything = true;
      } else if (ch === ",") {
        this.fields.push(this.field);
        this.field = "";
        this.sawAnything = true;
      } else if (ch === "\n" || ch === "\r") {
        rows.push(this.endRow());
        this.line++;
        this.rowLine = this.line;
        if (ch === "\r") this.lastWasCr = true;
      } else {
        if (i === 0 && ch === "\uFEFF" && this.line === 1 && !this.sawAnything) continue;
        this.field += ch;
        this.sawAnything = true;
      }
    }
    return rows;
  }

  /** The last row, if the input did not end with a line break. */
  end(): CsvRow[] {
    if (this.quotePending) {
      this.quotePending = false;
      this.quoted = false;
    }
    if (!this.sawAnything && this.field === "" && this.fields.length === 0) return [];
    return [this.endRow()];
  }

  private endRow(): CsvRow {
    this.fields.push(this.field);
    const row = { line: this.rowLine, fields: this.fields };
    this.field = "";
    this.fields = [];
    this.sawAnything = false;
    return row;
  }
}

/** A whole CSV text at once (small files such as the providers directory). */
export function parseCsv(text: string): CsvRow[] {
  const parser = new CsvParser();
  return [...parser.push(text), ...parser.end()];
}
