import type { Kysely } from "kysely";

/** The chain starts from this "previous hash" (and resumes from the last pruned row's hash). */
const GENESIS_HASH = "0".repeat(64);

// Privacy by design: the tamper-evident audit log, legal hold and retention
// bookkeeping on cases, and what is left of a case once it is erased or past
// its retention period (anonymous statistics with no link to the case).
export async function up(db: Kysely<any>): Promise<void> {
  // Append-only and hash-chained. `seq` is assigned by the app inside the
  // serialised append (see app/audit/audit.server.ts), so it is gap-free and
  // the same on both databases; a gap or a reordering is itself a break.
  await db.schema
    .createTable("audit_log")
    .addColumn("seq", "bigint", (c) => c.primaryKey())
    .addColumn("at", "text", (c) => c.notNull())
    .addColumn("actor_kind", "text", (c) => c.notNull())
    .addColumn("actor_id", "text")
    .addColumn("organisation_id", "text")
    .addColumn("action", "text", (c) => c.notNull())
    // No foreign key: the trail outlives the case it is about (two years).
    .addColumn("case_id", "text")
    .addColumn("reason_enc", "text")
    .addColumn("details", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("prev_hash", "text", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("audit_log_case").on("audit_log").columns(["case_id", "seq"]).execute();

  // One row: the end of the chain (an append locks it on PostgreSQL; a deleted
  // last row no longer matches it) and where pruning by retention stopped.
  await db.schema
    .createTable("audit_head")
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("last_seq", "bigint", (c) => c.notNull())
    .addColumn("last_hash", "text", (c) => c.notNull())
    .addColumn("pruned_seq", "bigint", (c) => c.notNull())
    .addColumn("pruned_hash", "text", (c) => c.notNull())
    .execute();
  await db
    .insertInto("audit_head")
    .values({ id: 1, last_seq: 0, last_hash: GENESIS_HASH, pruned_seq: 0, pruned_hash: GENESIS_HASH })
    .execute();

  await db.schema.alterTable("case").addColumn("legal_hold", "integer", (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable("case").addColumn("legal_hold_reason_enc", "text").execute();
  await db.schema.alterTable("case").addColumn("legal_hold_at", "text").execute();
  await db.schema.alterTable("case").addColumn("legal_hold_by", "text").execute();
  await db.schema.alterTable("case").addColumn("retention_until", "text").execute();
  await db.schema.alterTable("case").addColumn("erasure_requested_at", "text").execute();
  await db.schema.createIndex("case_retention_until").on("case").column("retention_until").execute();

  // What an erased or expired case leaves behind: counts and months, no id,
  // no reference, nothing that leads back to the case or the person.
  await db.schema
    .createTable("case_statistics")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("received_month", "text", (c) => c.notNull())
    .addColumn("closed_month", "text")
    .addColumn("reduced_month", "text", (c) => c.notNull())
    .addColumn("reduced_because", "text", (c) => c.notNull())
    .addColumn("route", "text", (c) => c.notNull())
    .addColumn("country", "text", (c) => c.notNull())
    .addColumn("relation", "text", (c) => c.notNull())
    .addColumn("handling_organisation_id", "text", (c) => c.notNull())
    .addColumn("final_status", "text", (c) => c.notNull())
    .addColumn("days_open", "integer")
    .addColumn("items", "integer", (c) => c.notNull())
    .addColumn("instances_found", "integer", (c) => c.notNull())
    .addColumn("instances_removed", "integer", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("case_statistics").execute();
  await db.schema.dropIndex("case_retention_until").execute();
  for (const column of ["erasure_requested_at", "retention_until", "legal_hold_by", "legal_hold_at", "legal_hold_reason_enc", "legal_hold"]) {
    await db.schema.alterTable("case").dropColumn(column).execute();
  }
  await db.schema.dropTable("audit_head").execute();
  await db.schema.dropTable("audit_log").execute();
}
