import { randomUUID } from "node:crypto";
import { z } from "zod";
import { recordAudit } from "~/audit/audit.server";
import { isCountryCode, isEuMemberState } from "~/cases/countries";
import type { FieldError } from "~/cases/request";
import type { Services } from "~/context";
import type { Db } from "~/db/db.server";
import { ORGANISATION_KINDS, type OrganisationKind } from "~/db/schema";
import type { StaffIdentity } from "./permissions";

/**
 * Organisations: the EU Centre (one, made by the first migration), national
 * coordinating authorities (one member state each), hotlines, support
 * organisations, and partner organisations with the countries they serve
 * (often outside the EU, where many victims live).
 */
export const MAX_ORGANISATION_NAME_LENGTH = 200;
/** Kinds that can be created; the EU Centre exists once. */
export const CREATABLE_KINDS = ORGANISATION_KINDS.filter((k) => k !== "eu_centre");

export interface OrganisationSummary {
  id: string;
  kind: OrganisationKind;
  name: string;
  country: string | null;
  servesCountries: string[];
  users: number;
}

export async function listOrganisations(services: Pick<Services, "db">): Promise<OrganisationSummary[]> {
  const rows = await services.db
    .selectFrom("organisation")
    .leftJoin("staff_user", "staff_user.organisation_id", "organisation.id")
    .select(["organisation.id", "organisation.kind", "organisation.name", "organisation.country", "organisation.serves_countries"])
    .select((eb) => eb.fn.count<number>("staff_user.id").as("users"))
    .groupBy(["organisation.id", "organisation.kind", "organisation.name", "organisation.country", "organisation.serves_countries"])
    .orderBy("organisation.name")
    .execute();
  return rows.map((row) => ({
    id: row.id,
    kind: row.kind,
    name: row.name,
    country: row.country,
    servesCountries: JSON.parse(row.serves_countries) as string[],
    users: Number(row.users),
  }));
}

/** "NL, be ,DE" → ["BE", "DE", "NL"]; what is not a country code is kept, for the error message. */
export function parseCountryList(value: string | string[] | undefined): string[] {
  const parts = Array.isArray(value) ? value : (value ?? "").split(/[\s,;]+/);
  return [...new Set(parts.map((p) => p.trim().toUpperCase()).filter(Boolean))].sort();
}

const organisationSchema = z
  .object({
    name: z
      .string({ required_error: "staff:organisations.errors.name" })
      .trim()
      .min(1, "staff:organisations.errors.name")
      .max(MAX_ORGANISATION_NAME_LENGTH, "staff:organisations.errors.nameTooLong"),
    kind: z.enum(CREATABLE_KINDS as [OrganisationKind, ...OrganisationKind[]], { errorMap: () => ({ message: "staff:organisations.errors.kind" }) }),
    country: z
      .string()
      .trim()
      .transform((c) => c.toUpperCase())
      .optional()
      .transform((c) => c || null),
    servesCountries: z.array(z.string()),
  })
  .superRefine((value, ctx) => {
    if (value.country !== null && !isCountryCode(value.country)) {
      ctx.addIssue({ code: "custom", path: ["country"], message: "staff:organisations.errors.country" });
    }
    if (value.kind === "coordinating_authority") {
      if (value.country === null || !isEuMemberState(value.country)) {
        ctx.addIssue({ code: "custom", path: ["country"], message: "staff:organisations.errors.memberState" });
      }
    }
    const bad = value.servesCountries.filter((c) => !isCountryCode(c));
    if (bad.length) ctx.addIssue({ code: "custom", path: ["servesCountries"], message: "staff:organisations.errors.serves", params: { codes: bad.join(", ") } });
    if (value.kind === "partner" && value.servesCountries.length === 0) {
      ctx.addIssue({ code: "custom", path: ["servesCountries"], message: "staff:organisations.errors.servesMissing" });
    }
    if (value.kind !== "partner" && value.servesCountries.length > 0) {
      ctx.addIssue({ code: "custom", path: ["servesCountries"], message: "staff:organisations.errors.servesOnlyPartner" });
    }
  });

export interface NewOrganisation {
  name: string;
  kind: string;
  country?: string;
  servesCountries?: string | string[];
}

export type CreatedOrganisation = { ok: true; id: string } | { ok: false; errors: FieldError[] };

/**
 * Create an organisation, validated: a coordinating authority names its
 * member state; a partner lists the countries it serves (and only a partner
 * does); names are unique (case-insensitively), since the command line finds
 * organisations by name.
 */
export async function createOrganisation(
  services: Services,
  input: NewOrganisation,
  actor: StaffIdentity | null,
  outer?: Db,
): Promise<CreatedOrganisation> {
  const parsed = organisationSchema.safeParse({ ...input, servesCountries: parseCountryList(input.servesCountries) });
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => ({
        field: String(issue.path[0]),
        key: issue.message,
        ...(issue.code === "custom" && issue.params ? { params: issue.params as Record<string, string> } : {}),
      })),
    };
  }
  const { name, kind, country, servesCountries } = parsed.data;
  const id = randomUUID();
  const work = async (db: Db): Promise<CreatedOrganisation> => {
    const existing = await findOrganisationByName(db, name);
    if (existing) return { ok: false, errors: [{ field: "name", key: "staff:organisations.errors.nameTaken" }] };
    await db
      .insertInto("organisation")
      .values({ id, kind, name, country, serves_countries: JSON.stringify(servesCountries), created_at: services.now().toISOString() })
      .execute();
    await recordAudit(
      services,
      { actorKind: actor ? "staff" : "system", actorId: actor?.id ?? null, organisationId: actor?.organisationId ?? null, action: "organisation.create", details: { organisationId: id, kind } },
      db,
    );
    return { ok: true, id };
  };
  return outer ? work(outer) : services.db.transaction().execute(work);
}

async function findOrganisationByName(db: Db, name: string) {
  // Few organisations exist; comparing in the app avoids lower() differences between the databases.
  const all = await db.selectFrom("organisation").select(["id", "name", "kind"]).execute();
  const wanted = name.trim().toLocaleLowerCase("en");
  return all.find((o) => o.name.trim().toLocaleLowerCase("en") === wanted);
}

/** An organisation by its id or its exact name (case-insensitive), for the command line. */
export async function findOrganisation(services: Pick<Services, "db">, idOrName: string): Promise<{ id: string; name: string; kind: OrganisationKind } | null> {
  const byId = await services.db.selectFrom("organisation").select(["id", "name", "kind"]).where("id", "=", idOrName.trim()).executeTakeFirst();
  return byId ?? (await findOrganisationByName(services.db, idOrName)) ?? null;
}
