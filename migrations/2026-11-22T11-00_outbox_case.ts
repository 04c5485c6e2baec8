import type { Kysely } from "kysely";

// Which case an outgoing mail belongs to, so erasing a case can cancel what
// is still queued for it (a removal notice to a provider, say).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("outbox").addColumn("case_id", "text").execute();
  await db.schema.createIndex("outbox_case").on("outbox").column("case_id").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("outbox_case").execute();
  await db.schema.alterTable("outbox").dropColumn("case_id").execute();
}
