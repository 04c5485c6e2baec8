import type { Kysely } from "kysely";

// Staff accounts, their sessions, mandates of support organisations, internal
// notes, and what caseworkers record on a case.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("staff_user")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("organisation_id", "text", (c) => c.notNull().references("organisation.id"))
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("display_name", "text", (c) => c.notNull())
    .addColumn("email_enc", "text", (c) => c.notNull())
    .addColumn("email_bidx", "text", (c) => c.notNull().unique())
    .addColumn("password_hash", "text")
    .addColumn("totp_key_enc", "text")
    .addColumn("totp_enabled_at", "text")
    .addColumn("recovery_codes", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("failed_attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("locked_until", "text")
    .addColumn("setup_token_hash", "text", (c) => c.unique())
    .addColumn("setup_expires_at", "text")
    .addColumn("invited_by", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("disabled_at", "text")
    .execute();
  await db.schema.createIndex("staff_user_organisation").on("staff_user").column("organisation_id").execute();

  await db.schema
    .createTable("staff_session")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("staff_user.id").onDelete("cascade"))
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addColumn("two_factor_verified", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex("staff_session_user").on("staff_session").column("user_id").execute();

  await db.schema
    .createTable("mandate")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("case_id", "text", (c) => c.notNull().references("case.id").onDelete("cascade"))
    .addColumn("organisation_id", "text", (c) => c.notNull().references("organisation.id"))
    .addColumn("relation", "text", (c) => c.notNull())
    .addColumn("basis_enc", "text", (c) => c.notNull())
    .addColumn("evidence_reference_enc", "text", (c) => c.notNull())
    .addColumn("mandate_date", "text", (c) => c.notNull())
    .addColumn("scope", "text", (c) => c.notNull())
    .addColumn("receipt_holder", "text", (c) => c.notNull())
    .addColumn("recorded_by", "text", (c) => c.notNull())
    .addColumn("recorded_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("mandate_case").on("mandate").column("case_id").execute();

  await db.schema
    .createTable("case_note")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("case_id", "text", (c) => c.notNull().references("case.id").onDelete("cascade"))
    .addColumn("author_id", "text", (c) => c.notNull())
    .addColumn("body_enc", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("case_note_case").on("case_note").column("case_id").execute();

  await db.schema.alterTable("case").addColumn("filed_by_organisation_id", "text").execute();
  await db.schema.alterTable("case").addColumn("assigned_to", "text").execute();
  await db.schema.alterTable("case").addColumn("identity_verification_method", "text").execute();
  await db.schema.alterTable("case").addColumn("identity_verified_by", "text").execute();
  await db.schema.alterTable("case").addColumn("extension_reason_enc", "text").execute();
  await db.schema.alterTable("case").addColumn("rejection_reason_enc", "text").execute();
  await db.schema.createIndex("case_filed_by").on("case").column("filed_by_organisation_id").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("case_filed_by").execute();
  for (const column of ["rejection_reason_enc", "extension_reason_enc", "identity_verified_by", "identity_verification_method", "assigned_to", "filed_by_organisation_id"]) {
    await db.schema.alterTable("case").dropColumn(column).execute();
  }
  for (const table of ["case_note", "mandate", "staff_session", "staff_user"]) await db.schema.dropTable(table).execute();
}
