/**
 * Every table and column says why it exists, what kind of data it holds, on
 * what lawful basis, and how long it is kept. The record of processing
 * (GDPR Art. 30) is generated from this, and a test fails when a column of the
 * migrated schema has no entry here.
 */
export type DataCategory =
  | "identity" // who someone is
  | "contact" // how to reach someone
  | "special" // GDPR Art. 9/10: sex life, crimes; everything about a case
  | "case" // case content that is not itself about a person
  | "operational" // configuration and bookkeeping with no personal data
  | "security"; // sessions, credentials, rate limits, audit

export type LawfulBasis =
  | "public-task" // GDPR Art. 6(1)(e), with Art. 9(2)(g) substantial public interest for special categories
  | "legal-obligation" // GDPR Art. 6(1)(c)
  | "consent" // GDPR Art. 6(1)(a) / 9(2)(a): the person's own choice, withdrawable
  | "legitimate-interest" // GDPR Art. 6(1)(f): security of the service
  | "none"; // no personal data

export interface ColumnAnnotation {
  purpose: string;
  category: DataCategory;
  basis: LawfulBasis;
  retention: string;
  encrypted?: boolean;
}

export interface TableAnnotation {
  purpose: string;
  columns: Record<string, ColumnAnnotation>;
}

const config = (purpose: string): ColumnAnnotation => ({
  purpose,
  category: "operational",
  basis: "none",
  retention: "while the organisation is registered",
});

export const annotations: Record<string, TableAnnotation> = {
  organisation: {
    purpose: "Organisations that handle requests, file them for victims, or report sightings.",
    columns: {
      id: config("Identifies the organisation."),
      kind: config("Decides what the organisation may do and which requests it handles."),
      name: config("Shown to requesters so they know who handles their request."),
      country: config("Routes requests from residents of a member state to its coordinating authority."),
      serves_countries: config("Routes voluntary-route requests to a partner serving the requester's country."),
      created_at: config("Bookkeeping."),
    },
  },
};

/** Tables that belong to tooling, not to the app's data. */
export const UNANNOTATED_TABLES = new Set(["kysely_migration", "kysely_migration_lock"]);
