import type { Kysely } from "kysely";

// Migrations use Kysely<any> and never import app code: they must keep
// working unchanged however the app evolves.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("organisation")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("country", "text")
    .addColumn("serves_countries", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();

  // The EU Centre handles what no national authority or partner is configured for.
  await db
    .insertInto("organisation")
    .values({
      id: "00000000-0000-4000-8000-000000000001",
      kind: "eu_centre",
      name: "EU Centre",
      country: null,
      serves_countries: "[]",
      created_at: new Date().toISOString(),
    })
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("organisation").execute();
}
