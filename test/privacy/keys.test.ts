import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Kysely } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recordAudit, verifyAuditChain } from "~/audit/audit.server";
import { addCaseEvent, sendMessageFromRequester } from "~/cases/cases.server";
import { saveDraft } from "~/cases/drafts.server";
import { main } from "~/cli/main.server";
import type { Services } from "~/context";
import { EU_CENTRE_ID } from "~/db/schema";
import { enqueueMail } from "~/mail/outbox.server";
import { encryptedColumns, keyRotationStatus, rotateKeys } from "~/privacy/keys.server";
import { setLegalHold } from "~/privacy/retention.server";
import { createVault, parseDataKeys } from "~/privacy/vault.server";
import { DRAFT, fileCase } from "../support/cases";
import { createTestDatabase, databaseKinds, describeEachDatabase, type TestDatabase } from "../support/databases";
import { ownTables } from "../support/schema";
import { dataKey, testServices } from "../support/services";

/**
 * Key rotation: a new key goes first, `keys:rotate` re-encrypts every
 * encrypted column to it in batches; interrupted half-way it resumes, and in
 * the end every value decrypts with the new key alone, reads as before, and
 * the blind indexes and the audit chain are untouched.
 */

const INDEX_KEY = randomBytes(32).toString("base64url");
const OLD = dataKey("k1");
const NEW = dataKey("k2");

/** Every encrypted column gets at least one value, written the way the app writes it. */
async function fillEveryEncryptedColumn(services: Services) {
  const first = await fileCase(services);
  await fileCase(services, { ...DRAFT, contact: { contactMethod: "organisation", email: "", organisation: "Safe Haven Support, Ms Example" } });
  await sendMessageFromRequester(services, first.caseId, "A message with personal details.", "en");
  await addCaseEvent(services, first.caseId, { template: "searchStarted", visibleToRequester: true, actor: "staff", note: { text: "A caseworker's note.", language: "en" } });
  await saveDraft(services, null, { who: { relation: "parent" } });
  await enqueueMail(services, { to: "someone@example.org", template: "update", language: "en" });
  await enqueueMail(services, { to: "abuse@host.example", template: "notice", language: "en", content: { subject: "Removal notice", text: "Please remove https://hidden-host.example/x" } });
  await recordAudit(services, { actorKind: "staff", actorId: "staff-1", action: "case.identity.view", caseId: first.caseId, reason: "Verifying the mandate" });
  await setLegalHold(services, first.caseId, { hold: true, reason: "Court order 2027/55", staffId: "staff-1" });
  const { vault } = services;
  await services.db
    .updateTable("case")
    .set({ extension_reason_enc: vault.encrypt("More time needed", "case.extension_reason_enc"), rejection_reason_enc: vault.encrypt("Outside our remit", "case.rejection_reason_enc") })
    .where("id", "=", first.caseId)
    .execute();
  const at = services.now().toISOString();
  const staffId = randomUUID();
  await services.db
    .insertInto("staff_user")
    .values({
      id: staffId,
      organisation_id: EU_CENTRE_ID,
      role: "caseworker",
      display_name: "Case Worker",
      email_enc: vault.encrypt("caseworker@example.org", "staff_user.email_enc"),
      email_bidx: vault.blindIndex("caseworker@example.org", "staff_user.email"),
      password_hash: null,
      totp_key_enc: vault.encrypt("JBSWY3DPEHPK3PXP", "staff_user.totp_key_enc"),
      totp_enabled_at: at,
      recovery_codes: "[]",
      failed_attempts: 0,
      locked_until: null,
      setup_token_hash: null,
      setup_expires_at: null,
      invited_by: null,
      created_at: at,
      disabled_at: null,
    } as any)
    .execute();
  await services.db
    .insertInto("mandate")
    .values({
      id: randomUUID(),
      case_id: first.caseId,
      organisation_id: EU_CENTRE_ID,
      relation: "parent",
      basis_enc: vault.encrypt("Parental authority", "mandate.basis_enc"),
      evidence_reference_enc: vault.encrypt("File 12 in our safe", "mandate.evidence_reference_enc"),
      mandate_date: "2027-01-01",
      scope: "both",
      receipt_holder: "victim",
      recorded_by: staffId,
      recorded_at: at,
    } as any)
    .execute();
  const providerId = randomUUID();
  await services.db
    .insertInto("provider")
    .values({ id: providerId, name: "Hosting Example", country: "DE", removal_contact: "abuse@host.example", languages: "[]", created_at: at } as any)
    .execute();
  await services.db
    .insertInto("notice")
    .values({
      id: randomUUID(),
      case_id: first.caseId,
      provider_id: providerId,
      language: "en",
      sender_named: 1,
      state: "open",
      sent_at: at,
      last_sent_at: at,
      send_count: 1,
      next_send_at: at,
      referral_due_at: at,
      referral_flagged_at: null,
      referred_at: at,
      referred_by: staffId,
      referral_note_enc: vault.encrypt("Referred to the authority", "notice.referral_note_enc"),
      closed_at: null,
      created_by: staffId,
    } as any)
    .execute();
  await services.db
    .insertInto("case_note")
    .values({ id: randomUUID(), case_id: first.caseId, author_id: staffId, body_enc: vault.encrypt("Internal note", "case_note.body_enc"), created_at: at })
    .execute();
}

/** Every encrypted value, decrypted, by table.column and row. */
async function plaintexts(services: Services): Promise<Map<string, string>> {
  const db = services.db as unknown as Kysely<any>;
  const result = new Map<string, string>();
  for (const c of encryptedColumns()) {
    const rows = await db.selectFrom(c.table).select([`${c.primaryKey} as pk`, `${c.column} as value`]).where(c.column, "is not", null).execute();
    for (const row of rows) result.set(`${c.context}#${row.pk}`, services.vault.decrypt(row.value, c.context));
  }
  return result;
}

async function storedKeyIds(services: Services): Promise<Set<string>> {
  const db = services.db as unknown as Kysely<any>;
  const ids = new Set<string>();
  for (const c of encryptedColumns()) {
    for (const row of await db.selectFrom(c.table).select(`${c.column} as value`).where(c.column, "is not", null).execute()) ids.add(services.vault.keyIdOf(row.value));
  }
  return ids;
}

describe.each(databaseKinds)("key rotation [%s]", (kind) => {
  let database: TestDatabase;
  let before: Services;
  let after: Services;

  beforeEach(async () => {
    database = await createTestDatabase(kind);
    before = testServices(database, { RECLAIM_DATA_KEYS: OLD, RECLAIM_INDEX_KEY: INDEX_KEY }).services;
    after = testServices(database, { RECLAIM_DATA_KEYS: `${NEW},${OLD}`, RECLAIM_INDEX_KEY: INDEX_KEY }).services;
  });
  afterEach(async () => {
    await database?.destroy();
  });

  it("re-encrypts every encrypted column; interrupted half-way, it resumes and finishes", async () => {
    await fillEveryEncryptedColumn(before);
    const status = await keyRotationStatus(after);
    const empty = status.filter((c) => c.remaining === 0).map((c) => c.context);
    expect(empty, "encrypted columns the fixture leaves empty: give them a value").toEqual([]);
    const total = status.reduce((n, c) => n + c.remaining, 0);
    const original = await plaintexts(before);
    const bidx = await database.db.selectFrom("subject").select(["id", "email_bidx"]).orderBy("id").execute();

    // Interrupted: the third batch fails.
    let batches = 0;
    await expect(
      rotateKeys(after, {
        batchSize: 1,
        afterBatch: () => {
          if (++batches === 3) throw new Error("power cut");
        },
      }),
    ).rejects.toThrow("power cut");
    const halfway = (await keyRotationStatus(after)).reduce((n, c) => n + c.remaining, 0);
    expect(halfway).toBe(total - 3);
    // Meanwhile every value still reads, under either key.
    expect(await plaintexts(after)).toEqual(original);

    // Stopped by a batch limit, then resumed to the end.
    const limited = await rotateKeys(after, { batchSize: 2, maxBatches: 2 });
    expect(limited.complete).toBe(false);
    expect(limited.reencrypted).toBeGreaterThan(0);
    expect(limited.reencrypted).toBeLessThanOrEqual(4);
    const resumed = await rotateKeys(after, { batchSize: 2 });
    expect(resumed).toMatchObject({ complete: true, failures: [] });
    expect(resumed.reencrypted).toBe(total - 3 - limited.reencrypted);
    expect((await keyRotationStatus(after)).every((c) => c.remaining === 0)).toBe(true);

    // The old key can go: the new one alone reads everything, as before.
    const onlyNew = { ...after, vault: createVault({ ...parseDataKeys(NEW), indexKey: Buffer.from(INDEX_KEY) }) };
    expect(await storedKeyIds(onlyNew)).toEqual(new Set(["k2"]));
    expect(await plaintexts(onlyNew)).toEqual(original);
    expect(await database.db.selectFrom("subject").select(["id", "email_bidx"]).orderBy("id").execute()).toEqual(bidx);
    expect(await verifyAuditChain(onlyNew)).toMatchObject({ ok: true });

    // Nothing left to do: a second run changes nothing.
    expect(await rotateKeys(after)).toMatchObject({ reencrypted: 0, complete: true });
  });

  it("names a value no configured key can read, leaves it alone, and rotates the rest", async () => {
    await fileCase(before);
    const stranger = createVault({ ...parseDataKeys(dataKey("k0")), indexKey: Buffer.from(INDEX_KEY) });
    const message = randomUUID();
    const { id: caseId } = await database.db.selectFrom("case").select("id").executeTakeFirstOrThrow();
    const unreadable = stranger.encrypt("lost", "message.body_enc");
    await database.db
      .insertInto("message")
      .values({ id: message, case_id: caseId, direction: "from_requester", body_enc: unreadable, language: "en", sent_at: before.now().toISOString(), read_at: null })
      .execute();
    const result = await rotateKeys(after);
    expect(result.failures).toEqual([{ table: "message", column: "body_enc", id: message }]);
    expect((await database.db.selectFrom("message").select("body_enc").where("id", "=", message).executeTakeFirstOrThrow()).body_enc).toBe(unreadable);
    expect((await database.db.selectFrom("subject").select("email_enc").executeTakeFirstOrThrow()).email_enc).toMatch(/^v1\.k2\./);
  });

  it("npx reclaim keys:rotate rotates and says when the old keys may go", async () => {
    await fileCase(before);
    const saved = { ...process.env };
    Object.assign(process.env, { DATABASE_URL: database.url, RECLAIM_DATA_DIR: after.env.dataDir, RECLAIM_DATA_KEYS: `${NEW},${OLD}`, RECLAIM_INDEX_KEY: INDEX_KEY, NODE_ENV: "test" });
    try {
      const out: string[] = [];
      expect(await main(["keys:rotate", "--batch-size", "1"], (l) => out.push(l), (l) => out.push(l))).toBe(0);
      expect(out.join("\n")).toContain("Every value is now under key k2");
      expect((await database.db.selectFrom("subject").select("email_enc").executeTakeFirstOrThrow()).email_enc).toMatch(/^v1\.k2\./);
    } finally {
      process.env = saved;
    }
  });
});

describe("keys:new", () => {
  it("prints a usable key, and --install puts it first in the generated secrets", async () => {
    const database = await createTestDatabase("sqlite", { migrate: false });
    const { services } = testServices(database);
    const saved = { ...process.env };
    delete process.env.RECLAIM_DATA_KEYS;
    Object.assign(process.env, { RECLAIM_DATA_DIR: services.env.dataDir, NODE_ENV: "test" });
    try {
      const out: string[] = [];
      expect(await main(["keys:new"], (l) => out.push(l))).toBe(0);
      expect(() => parseDataKeys(out[0])).not.toThrow();
      const previous = JSON.parse(readFileSync(path.join(services.env.dataDir, "secrets.json"), "utf8")).RECLAIM_DATA_KEYS;
      expect(await main(["keys:new", "--install"], (l) => out.push(l))).toBe(0);
      const now = JSON.parse(readFileSync(path.join(services.env.dataDir, "secrets.json"), "utf8")).RECLAIM_DATA_KEYS as string;
      expect(now.endsWith(`,${previous}`)).toBe(true);
      expect(parseDataKeys(now).keys.size).toBe(2);
    } finally {
      process.env = saved;
      await database.destroy();
    }
  });
});

describeEachDatabase("encrypted columns", (get) => {
  it("key rotation knows every *_enc column of the migrated schema", async () => {
    const tables = await ownTables(get());
    const inSchema = tables.flatMap((t) => t.columns.filter((c) => c.name.endsWith("_enc")).map((c) => `${t.name}.${c.name}`)).sort();
    expect(encryptedColumns().map((c) => c.context).sort()).toEqual(inSchema);
  });
});
