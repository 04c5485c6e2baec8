import type { Services } from "~/context";
import { STAFF_ROLES } from "~/db/schema";
import { migrateToLatest } from "~/db/migrate.server";
import { loadEnv } from "~/env.server";
import { resources } from "~/i18n/i18next.server";
import { createServices } from "~/services.server";
import { createStaffUser, parseRole, SETUP_LINK_DAYS } from "~/staff/accounts.server";
import { createOrganisation, CREATABLE_KINDS, findOrganisation } from "~/staff/organisations.server";
import type { Command, CommandIo } from "./commands.server";

/**
 * First run: `org:create` and `user:create`. The new user gets a one-time
 * set-up link; a password is never given on the command line (it would stay
 * in the shell's history and the process list).
 */

async function withServices<T>(run: (services: Services) => Promise<T>): Promise<T> {
  const services = createServices(loadEnv(process.env, () => {}));
  try {
    // A first run may come before the first `serve`: the tables must exist.
    await migrateToLatest(services.db);
    return await run(services);
  } finally {
    await services.db.destroy();
  }
}

const text = (value: CommandIo["values"][string]): string | undefined => (typeof value === "string" ? value : undefined);

/** The English text of a validation error key ("staff:users.errors.email"), for the terminal. */
function english(key: string, params: Record<string, string | number> = {}): string {
  const [ns, path] = key.includes(":") ? key.split(":") : ["staff", key];
  const node = path.split(".").reduce<unknown>((n, part) => (n as Record<string, unknown> | undefined)?.[part], resources.en?.[ns]);
  const template = typeof node === "string" ? node : key;
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => String(params[name] ?? ""));
}

export async function orgCreate({ values, out, err }: CommandIo): Promise<number> {
  const name = text(values.name);
  const kind = text(values.kind)?.trim().toLowerCase().replaceAll("-", "_");
  if (!name || !kind) {
    err(`--name and --kind are required.\n\n${staffCommands["org:create"].usage}`);
    return 2;
  }
  return withServices(async (services) => {
    const result = await createOrganisation(services, { name, kind, country: text(values.country), servesCountries: text(values.serves) }, null);
    if (!result.ok) {
      const option: Record<string, string> = { name: "--name", kind: "--kind", country: "--country", servesCountries: "--serves" };
      for (const e of result.errors) err(`${option[e.field] ?? e.field}: ${english(e.key, e.params)}`);
      return 1;
    }
    out(`Created organisation "${name.trim()}" (${kind}), id ${result.id}.`);
    return 0;
  });
}

export async function userCreate({ values, out, err }: CommandIo): Promise<number> {
  const org = text(values.org);
  const roleText = text(values.role);
  const email = text(values.email);
  const name = text(values.name);
  if (!org || !roleText || !email || !name) {
    err(`--org, --role, --email and --name are required.\n\n${staffCommands["user:create"].usage}`);
    return 2;
  }
  const role = parseRole(roleText);
  if (!role) {
    err(`--role: "${roleText}" is not a role; use admin, administrator, supervisor, caseworker or support_worker.`);
    return 2;
  }
  return withServices(async (services) => {
    const organisation = await findOrganisation(services, org);
    if (!organisation) {
      err(`--org: no organisation with the id or name "${org}". Create it first with npx reclaim org:create.`);
      return 1;
    }
    const result = await createStaffUser(services, { organisationId: organisation.id, role, email, displayName: name, invitedBy: null });
    if (!result.ok) {
      const option: Record<string, string> = { email: "--email", displayName: "--name", role: "--role", organisation: "--org" };
      for (const e of result.errors) err(`${option[e.field] ?? e.field}: ${english(e.key, e.params)}`);
      return 1;
    }
    out(`Created ${role} account for ${name.trim()} at ${organisation.name}.`);
    out(`Set-up link (works once, for ${SETUP_LINK_DAYS} days; give it only to this person):`);
    out(result.link);
    return 0;
  });
}

export const staffCommands: Record<string, Command> = {
  "org:create": {
    summary: "Create an organisation (prints its id).",
    usage: [
      "Usage: npx reclaim org:create --name NAME --kind KIND [--country XX] [--serves XX,YY]",
      `  --kind     ${CREATABLE_KINDS.join(", ")}`,
      "  --country  ISO 3166-1 alpha-2; required for a coordinating_authority (its EU member state)",
      "  --serves   countries a partner serves, comma-separated; required for a partner",
    ].join("\n"),
    options: { name: { type: "string" }, kind: { type: "string" }, country: { type: "string" }, serves: { type: "string" } },
    run: orgCreate,
  },
  "user:create": {
    summary: "Create a staff account; prints a one-time set-up link.",
    usage: [
      "Usage: npx reclaim user:create --org ORG --role ROLE --email EMAIL --name NAME",
      "  --org   the organisation's id or exact name",
      `  --role  admin, ${STAFF_ROLES.join(", ")}`,
    ].join("\n"),
    options: { org: { type: "string" }, role: { type: "string" }, email: { type: "string" }, name: { type: "string" } },
    run: userCreate,
  },
};
