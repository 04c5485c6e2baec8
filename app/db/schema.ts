import type { Insertable, Selectable, Updateable } from "kysely";

/**
 * The database, as the app sees it. Written by hand, one interface per table.
 * Portable column types (see docs/decisions/002-portable-column-types.md):
 * timestamps are ISO-8601 UTC strings, booleans 0/1 integers, JSON as text.
 */
export interface Database {
  organisation: OrganisationTable;
}

/** ISO-8601 UTC timestamp, e.g. 2026-11-22T10:00:00.000Z. */
export type Timestamp = string;

export const ORGANISATION_KINDS = [
  "eu_centre",
  "coordinating_authority",
  "hotline",
  "support_organisation",
  "partner",
] as const;
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];

export interface OrganisationTable {
  id: string;
  kind: OrganisationKind;
  name: string;
  /** ISO 3166-1 alpha-2: the member state of a coordinating authority, the seat of others. */
  country: string | null;
  /** JSON array of ISO 3166-1 alpha-2 codes a partner organisation serves. */
  serves_countries: string;
  created_at: Timestamp;
}
export type Organisation = Selectable<OrganisationTable>;
export type NewOrganisation = Insertable<OrganisationTable>;
export type OrganisationUpdate = Updateable<OrganisationTable>;

/** The EU Centre handles every request no other organisation is configured for. */
export const EU_CENTRE_ID = "00000000-0000-4000-8000-000000000001";
