import type { Kysely } from "kysely";

// Sightings at scale, matching, API keys, and removal notices to providers
// (docs/decisions/012-sightings-and-matching.md, 013-removal-notices.md).
export async function up(db: Kysely<any>): Promise<void> {
  // A monotonic integer per sighting, assigned by the app from this one-row
  // counter inside the inserting transaction. The counter row stays locked
  // until that transaction commits, so sequence numbers become visible in
  // order: an instance that has seen everything up to N never misses a later
  // commit below N (a PostgreSQL sequence gives no such promise). Same code
  // on both databases.
  await db.schema
    .createTable("sighting_sequence")
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("last_seq", "bigint", (c) => c.notNull())
    .execute();

  await db.schema.alterTable("sighting").addColumn("seq", "bigint").execute();
  await db.schema.alterTable("sighting").addColumn("url_hash", "text").execute();
  await db.schema.alterTable("sighting").addColumn("updated_at", "text").execute();
  await db.schema.alterTable("sighting").addColumn("matched_at", "text").execute();
  // Number any rows that predate this migration, oldest first.
  const existing = await db.selectFrom("sighting").select("id").orderBy("created_at").orderBy("id").execute();
  let seq = 0;
  for (const row of existing) {
    seq++;
    await db.updateTable("sighting").set({ seq }).where("id", "=", row.id).execute();
  }
  await db.insertInto("sighting_sequence").values({ id: 1, last_seq: seq }).execute();
  await db.schema.createIndex("sighting_seq").on("sighting").column("seq").unique().execute();
  await db.schema.createIndex("sighting_sha256").on("sighting").column("sha256").execute();
  await db.schema.createIndex("sighting_md5").on("sighting").column("md5").execute();
  await db.schema.createIndex("sighting_url_hash").on("sighting").column("url_hash").execute();
  await db.schema.createIndex("sighting_matched_at").on("sighting").column("matched_at").execute();
  await db.schema.createIndex("sighting_provider").on("sighting").column("provider_id").execute();

  await db.schema.alterTable("item").addColumn("matched_at", "text").execute();
  await db.schema.createIndex("item_matched_at").on("item").column("matched_at").execute();

  await db.schema.alterTable("match").addColumn("reupload", "integer", (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex("match_sighting").on("match").column("sighting_id").execute();

  await db.schema.alterTable("provider").addColumn("updated_at", "text").execute();
  await db.schema.createIndex("provider_name_country").on("provider").columns(["name", "country"]).unique().execute();

  // Keys of reporting organisations: only a SHA-256 of the secret is stored.
  await db.schema
    .createTable("api_key")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("organisation_id", "text", (c) => c.notNull().references("organisation.id"))
    .addColumn("label", "text", (c) => c.notNull())
    .addColumn("prefix", "text", (c) => c.notNull())
    .addColumn("secret_hash", "text", (c) => c.notNull().unique())
    .addColumn("scopes", "text", (c) => c.notNull())
    .addColumn("created_by", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("last_used_at", "text")
    .addColumn("revoked_at", "text")
    .addColumn("revoked_by", "text")
    .execute();
  await db.schema.createIndex("api_key_organisation").on("api_key").column("organisation_id").execute();

  // A removal notice to one provider for one or more confirmed instances of one case.
  await db.schema
    .createTable("notice")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("case_id", "text", (c) => c.notNull().references("case.id").onDelete("cascade"))
    .addColumn("provider_id", "text", (c) => c.notNull().references("provider.id"))
    .addColumn("language", "text", (c) => c.notNull())
    .addColumn("sender_named", "integer", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("sent_at", "text", (c) => c.notNull())
    .addColumn("last_sent_at", "text", (c) => c.notNull())
    .addColumn("send_count", "integer", (c) => c.notNull())
    .addColumn("next_send_at", "text")
    .addColumn("referral_due_at", "text", (c) => c.notNull())
    .addColumn("referral_flagged_at", "text")
    .addColumn("referred_at", "text")
    .addColumn("referred_by", "text")
    .addColumn("referral_note_enc", "text")
    .addColumn("closed_at", "text")
    .addColumn("created_by", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("notice_case").on("notice").column("case_id").execute();
  await db.schema.createIndex("notice_due").on("notice").columns(["state", "next_send_at"]).execute();

  await db.schema
    .createTable("notice_sighting")
    .addColumn("notice_id", "text", (c) => c.notNull().references("notice.id").onDelete("cascade"))
    .addColumn("sighting_id", "text", (c) => c.notNull().references("sighting.id"))
    .addColumn("removed_at", "text")
    .addColumn("removal_seconds", "bigint")
    .addColumn("removal_recorded_by", "text")
    .addPrimaryKeyConstraint("notice_sighting_pk", ["notice_id", "sighting_id"])
    .execute();
  await db.schema.createIndex("notice_sighting_sighting").on("notice_sighting").column("sighting_id").execute();

  // A notice is not a neutral template: its text is rendered when queued and kept encrypted.
  await db.schema.alterTable("outbox").addColumn("subject_enc", "text").execute();
  await db.schema.alterTable("outbox").addColumn("body_enc", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("outbox").dropColumn("body_enc").execute();
  await db.schema.alterTable("outbox").dropColumn("subject_enc").execute();
  await db.schema.dropTable("notice_sighting").execute();
  await db.schema.dropTable("notice").execute();
  await db.schema.dropTable("api_key").execute();
  await db.schema.dropIndex("provider_name_country").execute();
  await db.schema.alterTable("provider").dropColumn("updated_at").execute();
  await db.schema.dropIndex("match_sighting").execute();
  await db.schema.alterTable("match").dropColumn("reupload").execute();
  await db.schema.dropIndex("item_matched_at").execute();
  await db.schema.alterTable("item").dropColumn("matched_at").execute();
  for (const index of ["sighting_provider", "sighting_matched_at", "sighting_url_hash", "sighting_md5", "sighting_sha256", "sighting_seq"]) {
    await db.schema.dropIndex(index).execute();
  }
  for (const column of ["matched_at", "updated_at", "url_hash", "seq"]) await db.schema.alterTable("sighting").dropColumn(column).execute();
  await db.schema.dropTable("sighting_sequence").execute();
}
