import type { Kysely } from "kysely";

// The victim's request and everything hung on it. Who someone is lives in
// `subject`, encrypted per field; the case itself holds no name or address.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("subject")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("email_enc", "text")
    .addColumn("email_bidx", "text")
    .addColumn("contact_organisation_enc", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("subject_email_bidx").on("subject").column("email_bidx").execute();

  await db.schema
    .createTable("case")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("reference", "text", (c) => c.notNull().unique())
    .addColumn("secret_hash", "text", (c) => c.notNull())
    .addColumn("submission_hash", "text", (c) => c.unique())
    .addColumn("subject_id", "text", (c) => c.notNull().references("subject.id"))
    .addColumn("route", "text", (c) => c.notNull())
    .addColumn("country", "text", (c) => c.notNull())
    .addColumn("language", "text", (c) => c.notNull())
    .addColumn("relation", "text", (c) => c.notNull())
    .addColumn("wants_information", "integer", (c) => c.notNull())
    .addColumn("wants_removal", "integer", (c) => c.notNull())
    .addColumn("disclosure", "text", (c) => c.notNull())
    .addColumn("contact_method", "text", (c) => c.notNull())
    .addColumn("handling_organisation_id", "text", (c) => c.notNull().references("organisation.id"))
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("identity_verified_at", "text")
    .addColumn("received_at", "text", (c) => c.notNull())
    .addColumn("due_at", "text", (c) => c.notNull())
    .addColumn("extended_due_at", "text")
    .addColumn("closed_at", "text")
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("case_handling_due").on("case").columns(["handling_organisation_id", "due_at"]).execute();

  await db.schema
    .createTable("item")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("case_id", "text", (c) => c.notNull().references("case.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("pdq_quality", "integer")
    .addColumn("added_by", "text", (c) => c.notNull())
    .addColumn("added_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("item_case").on("item").column("case_id").execute();
  await db.schema.createIndex("item_kind_value").on("item").columns(["kind", "value"]).execute();

  await db.schema
    .createTable("case_event")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("case_id", "text", (c) => c.notNull().references("case.id").onDelete("cascade"))
    .addColumn("at", "text", (c) => c.notNull())
    .addColumn("template", "text", (c) => c.notNull())
    .addColumn("params", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("visible_to_requester", "integer", (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("note_enc", "text")
    .addColumn("note_language", "text")
    .execute();
  await db.schema.createIndex("case_event_case_at").on("case_event").columns(["case_id", "at"]).execute();

  await db.schema
    .createTable("message")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("case_id", "text", (c) => c.notNull().references("case.id").onDelete("cascade"))
    .addColumn("direction", "text", (c) => c.notNull())
    .addColumn("body_enc", "text", (c) => c.notNull())
    .addColumn("language", "text", (c) => c.notNull())
    .addColumn("sent_at", "text", (c) => c.notNull())
    .addColumn("read_at", "text")
    .execute();
  await db.schema.createIndex("message_case_sent").on("message").columns(["case_id", "sent_at"]).execute();

  await db.schema
    .createTable("provider")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("country", "text", (c) => c.notNull())
    .addColumn("removal_contact", "text")
    .addColumn("languages", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("sighting")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("source_organisation_id", "text", (c) => c.notNull().references("organisation.id"))
    .addColumn("source_ref", "text", (c) => c.notNull())
    .addColumn("provider_id", "text", (c) => c.references("provider.id"))
    .addColumn("url", "text")
    .addColumn("pdq", "text")
    .addColumn("pdq_quality", "integer")
    .addColumn("sha256", "text")
    .addColumn("md5", "text")
    .addColumn("reported_at", "text", (c) => c.notNull())
    .addColumn("forwarded_to", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("forwarded_at", "text")
    .addColumn("removal_state", "text", (c) => c.notNull())
    .addColumn("removed_at", "text")
    .addColumn("withheld_until", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addUniqueConstraint("sighting_source_ref", ["source_organisation_id", "source_ref"])
    .execute();

  await db.schema
    .createTable("match")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("case_id", "text", (c) => c.notNull().references("case.id").onDelete("cascade"))
    .addColumn("item_id", "text", (c) => c.notNull().references("item.id").onDelete("cascade"))
    .addColumn("sighting_id", "text", (c) => c.notNull().references("sighting.id"))
    .addColumn("distance", "integer", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("decided_by", "text")
    .addColumn("decided_at", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addUniqueConstraint("match_item_sighting", ["item_id", "sighting_id"])
    .execute();
  await db.schema.createIndex("match_case_state").on("match").columns(["case_id", "state"]).execute();

  // A request in progress: the answers so far, encrypted, until sent or 24 hours old.
  await db.schema
    .createTable("request_draft")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("data_enc", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("case_session")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("case_id", "text", (c) => c.notNull().references("case.id").onDelete("cascade"))
    .addColumn("expires_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("case_session_case").on("case_session").column("case_id").execute();

  await db.schema
    .createTable("rate_limit")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("failures", "integer", (c) => c.notNull())
    .addColumn("window_started_at", "text", (c) => c.notNull())
    .addColumn("next_attempt_at", "text", (c) => c.notNull())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("outbox")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("recipient_enc", "text", (c) => c.notNull())
    .addColumn("template", "text", (c) => c.notNull())
    .addColumn("language", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "text", (c) => c.notNull())
    .addColumn("last_error", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("sent_at", "text")
    .execute();
  await db.schema.createIndex("outbox_due").on("outbox").columns(["status", "next_attempt_at"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ["outbox", "rate_limit", "case_session", "request_draft", "match", "sighting", "provider", "message", "case_event", "item", "case", "subject"]) {
    await db.schema.dropTable(table).execute();
  }
}
