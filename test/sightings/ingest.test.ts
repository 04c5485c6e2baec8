import fc from "fast-check";
import { beforeAll, expect, it } from "vitest";
import type { Services } from "~/context";
import { API_SCOPES } from "~/db/schema";
import { openDatabase } from "~/db/db.server";
import { ingestSightings, type IngestSource } from "~/sightings/ingest.server";
import { lastSightingSeq } from "~/sightings/sequence.server";
import { describeEachDatabase } from "../support/databases";
import { testServices } from "../support/services";
import { addOrganisation, randomHex, randomPdq } from "../support/sightings";

/**
 * Storing sightings: idempotent on (source, source_ref), updates through the
 * same call, every bad record reported by index with reasons, the good ones
 * stored together, and sequence numbers that are unique and in order.
 */
describeEachDatabase("ingesting sightings", (get) => {
  let services: Services;
  let clock: ReturnType<typeof testServices>["clock"];
  let source: IngestSource;
  let other: IngestSource;

  beforeAll(async () => {
    ({ services, clock } = testServices(get()));
    source = { organisationId: await addOrganisation(services, "Hotline A"), scopes: API_SCOPES, via: "api" };
    other = { organisationId: await addOrganisation(services, "Hotline B"), scopes: API_SCOPES, via: "api" };
  });

  const valid = (ref: string, extra: Record<string, unknown> = {}) => ({
    source_ref: ref,
    provider: { name: "Example Hosting B.V.", country: "nl" },
    url: `https://files.example.net/${ref}.jpg`,
    sha256: randomHex(32),
    reported_at: "2027-01-02T10:00:00+01:00",
    ...extra,
  });

  it("stores valid records, reports each invalid one by index with reasons, and stores nothing of those", async () => {
    const before = await lastSightingSeq(services.db);
    const result = await ingestSightings(services, source, [
      valid("a-1"),
      { source_ref: "a-2", url: "not a url", reported_at: "yesterday", colour: "red" },
      "not an object",
      valid("a-3", { pdq: randomPdq(), pdq_quality: 90, md5: randomHex(16).toUpperCase() }),
      { source_ref: "a-4", reported_at: "2027-01-02T10:00:00Z" },
      valid("a-5", { reported_at: "2030-01-01T00:00:00Z" }),
    ]);
    expect(result.created).toBe(2);
    expect(result.results.map((r) => [r.index, r.status])).toEqual([
      [0, "created"],
      [3, "created"],
    ]);
    expect(result.errors.map((e) => e.index)).toEqual([1, 2, 4, 5]);
    const byIndex = Object.fromEntries(result.errors.map((e) => [e.index, e.errors.map((p) => `${p.field}:${p.code}`).sort()]));
    expect(byIndex[1]).toEqual(["colour:unknown_field", "reported_at:invalid"]);
    expect(byIndex[2]).toEqual(["record:not_object"]);
    expect(byIndex[4]).toEqual(["record:no_identifier"]);
    expect(byIndex[5]).toEqual(["reported_at:future"]);
    expect(result.errors[0].source_ref).toBe("a-2");

    const rows = await services.db.selectFrom("sighting").selectAll().where("source_organisation_id", "=", source.organisationId).orderBy("seq").execute();
    expect(rows.map((r) => r.source_ref)).toEqual(["a-1", "a-3"]);
    expect(rows.map((r) => Number(r.seq))).toEqual([before + 1, before + 2]);
    expect(rows[0].reported_at).toBe("2027-01-02T09:00:00.000Z");
    expect(rows[1].md5).toMatch(/^[0-9a-f]{32}$/);
    const provider = await services.db.selectFrom("provider").selectAll().where("id", "=", rows[0].provider_id!).executeTakeFirstOrThrow();
    expect([provider.name, provider.country, provider.removal_contact]).toEqual(["Example Hosting B.V.", "NL", null]);
  });

  it("never duplicates a retried batch, and the same source_ref of another source is another sighting", async () => {
    const batch = [valid("r-1"), valid("r-2")];
    const first = await ingestSightings(services, source, batch);
    const again = await ingestSightings(services, source, batch);
    expect(first.created).toBe(2);
    expect(again).toMatchObject({ created: 0, unchanged: 2, rejected: 0 });
    expect(again.results.map((r) => r.id)).toEqual(first.results.map((r) => r.id));
    const elsewhere = await ingestSightings(services, other, [valid("r-1")]);
    expect(elsewhere.created).toBe(1);
    const count = await services.db.selectFrom("sighting").select((eb) => eb.fn.countAll<number>().as("n")).where("source_ref", "=", "r-1").executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(2);
  });

  it("updates removal state, forwarding and holds through the same call, and refuses to change hashes", async () => {
    const original = valid("u-1");
    await ingestSightings(services, source, [original]);
    clock.advanceDays(1);
    const update = await ingestSightings(services, source, [
      { source_ref: "u-1", removal_state: "removed", removed_at: "2027-01-04T08:00:00Z", forwarded_to: ["Politie"], forwarded_at: "2027-01-03T08:00:00Z" },
      { source_ref: "u-1", sha256: randomHex(32) },
      { source_ref: "nobody-sent-this", removal_state: "removed" },
      { source_ref: "u-1", url: original.url, sha256: original.sha256 },
      { source_ref: "u-1", withheld_until: "2030-01-01T00:00:00Z" },
    ]);
    expect(update.results.map((r) => [r.index, r.status])).toEqual([
      [0, "updated"],
      [3, "unchanged"],
    ]);
    expect(update.errors.map((e) => [e.index, e.errors[0].code])).toEqual([
      [1, "immutable"],
      [2, "unknown_source_ref"],
      [4, "withheld_too_long"],
    ]);
    const row = await services.db.selectFrom("sighting").selectAll().where("source_ref", "=", "u-1").executeTakeFirstOrThrow();
    expect([row.removal_state, row.removed_at, row.forwarded_to, row.sha256]).toEqual(["removed", "2027-01-04T08:00:00.000Z", '["Politie"]', original.sha256]);
    expect(update.removedIds).toEqual([row.id]);
  });

  it("lets a key with only removals:write change sightings but not report new ones", async () => {
    await ingestSightings(services, source, [valid("s-1")]);
    const limited = { ...source, scopes: ["removals:write"] as const };
    const result = await ingestSightings(services, limited, [valid("s-2"), { source_ref: "s-1", removal_state: "removed" }]);
    expect(result.results.map((r) => [r.index, r.status])).toEqual([[1, "updated"]]);
    expect(result.errors.map((e) => [e.index, e.errors[0].code])).toEqual([[0, "scope"]]);
  });

  it("hands out unique, increasing sequence numbers to concurrent writers (another connection too)", async () => {
    const second = openDatabase(get().url).db;
    try {
      const { services: secondServices } = testServices({ ...get(), db: second });
      const batches = Array.from({ length: 6 }, (_, b) => Array.from({ length: 25 }, (_, i) => valid(`c-${b}-${i}`)));
      const results = await Promise.all(batches.map((batch, b) => ingestSightings(b % 2 ? secondServices : services, source, batch)));
      expect(results.every((r) => r.created === 25)).toBe(true);
      const seqs = (await services.db.selectFrom("sighting").select("seq").where("source_ref", "like", "c-%").execute()).map((r) => Number(r.seq));
      expect(new Set(seqs).size).toBe(150);
      expect(Math.max(...seqs)).toBe(await lastSightingSeq(services.db));
      // The same batch raced from two connections: stored once.
      const race = [valid("race-1"), valid("race-2")];
      const [x, y] = await Promise.all([ingestSightings(services, source, race), ingestSightings(secondServices, source, race)]);
      expect(x.created + y.created).toBe(2);
      expect(x.unchanged + y.unchanged).toBe(2);
    } finally {
      await second.destroy();
    }
  });

  it("answers any input with results or reasons, never an exception", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.anything(), fc.record({ source_ref: fc.string(), url: fc.anything(), pdq: fc.anything(), reported_at: fc.anything() })), { maxLength: 5 }), async (records) => {
        const result = await ingestSightings(services, source, records);
        expect(result.results.length + result.errors.length).toBe(records.length);
      }),
      { numRuns: 40 },
    );
  });
});
