import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { main } from "~/cli/main.server";
import { EU_CENTRE_ID } from "~/db/schema";
import { loadEnv } from "~/env.server";
import { createServices } from "~/services.server";
import { completeSetup, readSetupLink } from "~/staff/accounts.server";
import { describeEachDatabase } from "../support/databases";
import { TEST_PASSWORD } from "../support/staff";

/** `npx reclaim org:create` and `user:create`, run in-process as bin/reclaim.js runs them. */
async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, (line) => out.push(line), (line) => err.push(line));
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describeEachDatabase("staff commands", (database) => {
  let dataDir: string;
  const services = () => createServices(loadEnv(process.env, () => {}), { db: database().db, dbKind: database().kind });

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), "reclaim-cli-"));
    vi.stubEnv("DATABASE_URL", database().url);
    vi.stubEnv("RECLAIM_DATA_DIR", dataDir);
    vi.stubEnv("NODE_ENV", "test");
    vi.stubEnv("PORT", "4321");
    vi.stubEnv("PUBLIC_URL", undefined);
    for (const name of ["SESSION_SECRET", "RECLAIM_DATA_KEYS", "RECLAIM_INDEX_KEY"]) vi.stubEnv(name, undefined);
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("creates organisations of each kind, validated", async () => {
    const authority = await run("org:create", "--name", "Centrum Kinderhandel", "--kind", "coordinating_authority", "--country", "nl");
    expect(authority.err).toBe("");
    expect(authority.code).toBe(0);
    const id = authority.out.match(/id ([0-9a-f-]{36})/)?.[1];
    const row = await database().db.selectFrom("organisation").selectAll().where("id", "=", id!).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ name: "Centrum Kinderhandel", kind: "coordinating_authority", country: "NL", serves_countries: "[]" });

    const partner = await run("org:create", "--name", "Partner Kampala", "--kind", "partner", "--serves", "UG,KE");
    expect(partner.code).toBe(0);
    const partnerRow = await database().db.selectFrom("organisation").selectAll().where("name", "=", "Partner Kampala").executeTakeFirstOrThrow();
    expect(JSON.parse(partnerRow.serves_countries)).toEqual(["KE", "UG"]);
    expect((await run("org:create", "--name", "A support org", "--kind", "support-organisation")).code).toBe(0);
  });

  it("refuses bad organisations with a clear message and a non-zero exit", async () => {
    const missing = await run("org:create", "--name", "Nameless kind");
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("--name and --kind are required");
    const kind = await run("org:create", "--name", "X", "--kind", "ministry");
    expect(kind.code).toBe(1);
    expect(kind.err).toContain("--kind: Choose what kind of organisation it is.");
    const state = await run("org:create", "--name", "Swiss", "--kind", "coordinating_authority", "--country", "CH");
    expect(state.err).toContain("--country: A coordinating authority needs its EU member state.");
    const serves = await run("org:create", "--name", "P", "--kind", "partner", "--serves", "UG,ZZ");
    expect(serves.err).toContain("--serves: These are not two-letter country codes: ZZ.");
    const duplicate = await run("org:create", "--name", "centrum kinderhandel", "--kind", "hotline");
    expect(duplicate.code).toBe(1);
    expect(duplicate.err).toContain("--name: There is already an organisation with this name.");
    const unknownOption = await run("org:create", "--name", "X", "--kind", "hotline", "--password", "secret");
    expect(unknownOption.code).toBe(2);
  });

  it("creates a user and prints a one-time set-up link, never asking for a password", async () => {
    const result = await run("user:create", "--org", "Centrum Kinderhandel", "--role", "admin", "--email", "beheer@ckm.example", "--name", "Beheerder");
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const link = result.out.match(/http:\/\/localhost:4321\/staff\/setup\/([a-z2-7]+)/);
    expect(link).not.toBeNull();
    const user = await database().db.selectFrom("staff_user").selectAll().where("display_name", "=", "Beheerder").executeTakeFirstOrThrow();
    expect(user).toMatchObject({ role: "administrator", password_hash: null, invited_by: null });

    const state = await readSetupLink(services(), link![1]);
    expect(state).toMatchObject({ state: "valid", email: "beheer@ckm.example" });
    expect((await completeSetup(services(), { token: link![1], password: TEST_PASSWORD, confirm: TEST_PASSWORD })).ok).toBe(true);
    expect((await readSetupLink(services(), link![1])).state).toBe("invalid");

    // By id too, and PUBLIC_URL when set.
    vi.stubEnv("PUBLIC_URL", "https://reclaim.example/");
    const byId = await run("user:create", "--org", EU_CENTRE_ID, "--role", "support-worker", "--email", "sw@eu.example", "--name", "Worker");
    vi.stubEnv("PUBLIC_URL", undefined);
    expect(byId.code).toBe(0);
    expect(byId.out).toMatch(/https:\/\/reclaim\.example\/staff\/setup\/[a-z2-7]{32}/);
  });

  it("refuses bad users with a clear message and a non-zero exit", async () => {
    const missing = await run("user:create", "--org", "Centrum Kinderhandel", "--role", "caseworker");
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("--org, --role, --email and --name are required");
    const role = await run("user:create", "--org", "Centrum Kinderhandel", "--role", "boss", "--email", "a@b.example", "--name", "A");
    expect(role.code).toBe(2);
    expect(role.err).toContain('--role: "boss" is not a role');
    const org = await run("user:create", "--org", "Nowhere", "--role", "caseworker", "--email", "a@b.example", "--name", "A");
    expect(org.code).toBe(1);
    expect(org.err).toContain('--org: no organisation with the id or name "Nowhere"');
    const email = await run("user:create", "--org", "Centrum Kinderhandel", "--role", "caseworker", "--email", "not-an-address", "--name", "A");
    expect(email.code).toBe(1);
    expect(email.err).toContain("--email: Enter an e-mail address like name@example.org.");
    const taken = await run("user:create", "--org", "Centrum Kinderhandel", "--role", "caseworker", "--email", "BEHEER@ckm.example", "--name", "Again");
    expect(taken.code).toBe(1);
    expect(taken.err).toContain("--email: There is already an account with this e-mail address.");
  });

  it("lists both commands in the help", async () => {
    const help = await run("help");
    expect(help.out).toContain("org:create");
    expect(help.out).toContain("user:create");
  });
});
