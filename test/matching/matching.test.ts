import { beforeAll, expect, it } from "vitest";
import { addItemsToCase } from "~/cases/cases.server";
import type { Services } from "~/context";
import { openDatabase } from "~/db/db.server";
import { API_SCOPES, EU_CENTRE_ID } from "~/db/schema";
import { decideMatch, matchPendingItems, matchPendingSightings, sweepUnmatched } from "~/matching/match.server";
import { sightingIndexFor } from "~/matching/sighting-index.server";
import { RemovalError } from "~/notices/notices.server";
import { ingestSightings, type IngestSource } from "~/sightings/ingest.server";
import { Forbidden } from "~/staff/cases.server";
import type { StaffIdentity } from "~/staff/permissions";
import { DRAFT, fileCase } from "../support/cases";
import { describeEachDatabase } from "../support/databases";
import { testServices } from "../support/services";
import { addOrganisation, addStaff, flipBits, randomHex, randomPdq } from "../support/sightings";

/**
 * Matching both ways: a request's items against every sighting, new
 * sightings against the items of open cases; exact hashes and addresses,
 * PDQ within the configured distance (quality 50 and up); candidates only,
 * until a caseworker decides; a re-upload alert; and an index that stays
 * current when another server instance stores sightings.
 */
describeEachDatabase("matching", (get) => {
  let services: Services;
  let source: IngestSource;
  let caseworker: StaffIdentity;
  let other: StaffIdentity;

  beforeAll(async () => {
    ({ services } = testServices(get()));
    source = { organisationId: await addOrganisation(services, "Hotline M"), scopes: API_SCOPES, via: "api" };
    caseworker = await addStaff(services, EU_CENTRE_ID, "caseworker");
    other = await addStaff(services, EU_CENTRE_ID, "caseworker");
  });

  const sighting = (ref: string, fields: Record<string, unknown>) => ({ source_ref: ref, reported_at: "2026-12-01T10:00:00Z", provider: { name: "Host M", country: "DE" }, ...fields });
  const store = async (records: Record<string, unknown>[]) => {
    const result = await ingestSightings(services, source, records);
    expect(result.rejected, JSON.stringify(result.errors)).toBe(0);
    return result.results.map((r) => r.id);
  };
  const fileWith = async (items: Partial<typeof DRAFT.items>) => {
    const receipt = await fileCase(services, { ...DRAFT, items: { urls: "", pdq: "", sha256: "", md5: "", references: "", ...items } });
    await services.db.updateTable("case").set({ assigned_to: caseworker.id }).where("id", "=", receipt.caseId).execute();
    return receipt.caseId;
  };
  const candidates = (caseId: string) =>
    services.db
      .selectFrom("match")
      .innerJoin("item", "item.id", "match.item_id")
      .select(["match.id", "match.sighting_id", "match.distance", "match.state", "match.reupload", "item.kind"])
      .where("match.case_id", "=", caseId)
      .orderBy("item.kind")
      .execute();

  it("matches a new request's items against sightings: exact hashes and addresses, PDQ within 31 bits of quality 50 and up", async () => {
    const base = randomPdq();
    const sha = randomHex(32);
    const md5 = randomHex(16);
    const [bySha, byMd5, byUrl, near, far, weak] = await store([
      sighting("m-sha", { sha256: sha }),
      sighting("m-md5", { md5 }),
      sighting("m-url", { url: "https://Files.Example.NET/a/1.jpg#top" }),
      sighting("m-near", { pdq: flipBits(base, 31), pdq_quality: 80 }),
      sighting("m-far", { pdq: flipBits(base, 32), pdq_quality: 80 }),
      sighting("m-weak", { pdq: flipBits(base, 3), pdq_quality: 49 }),
    ]);
    void far;
    void weak;
    const caseId = await fileWith({ sha256: sha, md5, urls: "files.example.net/a/1.jpg", pdq: `${base} 100` });
    const found = await candidates(caseId);
    expect(found.map((m) => [m.kind, m.sighting_id, m.distance, m.state])).toEqual([
      ["md5", byMd5, 0, "candidate"],
      ["pdq", near, 31, "candidate"],
      ["sha256", bySha, 0, "candidate"],
      ["url", byUrl, 0, "candidate"],
    ]);
    const items = await services.db.selectFrom("item").select("matched_at").where("case_id", "=", caseId).execute();
    expect(items.every((i) => i.matched_at !== null)).toBe(true);
    // An item of quality below 50 is not matched either.
    const weakItem = await fileWith({ pdq: `${base} 40` });
    expect(await candidates(weakItem)).toEqual([]);
  });

  it("uses PDQ_MATCH_DISTANCE when configured", async () => {
    const { services: strict } = testServices(get(), { PDQ_MATCH_DISTANCE: "10" });
    const base = randomPdq();
    await store([sighting("d-11", { pdq: flipBits(base, 11) }), sighting("d-10", { pdq: flipBits(base, 10) })]);
    const receipt = await fileCase(strict, { ...DRAFT, items: { urls: "", pdq: base, sha256: "", md5: "", references: "" } });
    expect((await candidates(receipt.caseId)).map((m) => m.distance)).toEqual([10]);
  });

  it("matches new sightings against the items of open cases only", async () => {
    const sha = randomHex(32);
    const base = randomPdq();
    const open = await fileWith({ sha256: sha, pdq: base });
    const closed = await fileWith({ sha256: sha });
    await services.db.updateTable("case").set({ status: "withdrawn" }).where("id", "=", closed).execute();
    const [exact, near] = await store([sighting("n-1", { sha256: sha }), sighting("n-2", { pdq: flipBits(base, 20), pdq_quality: 60 })]);
    const created = await matchPendingSightings(services, { ids: [exact, near] });
    expect(created).toBe(2);
    expect((await candidates(open)).map((m) => [m.kind, m.sighting_id, m.distance])).toEqual([
      ["pdq", near, 20],
      ["sha256", exact, 0],
    ]);
    expect(await candidates(closed)).toEqual([]);
    // Matching again changes nothing.
    expect(await matchPendingSightings(services, { ids: [exact, near] })).toBe(0);
    const events = await services.db.selectFrom("case_event").select(["template", "visible_to_requester"]).where("case_id", "=", open).where("template", "=", "candidatesFound").execute();
    expect(events.every((e) => e.visible_to_requester === 0)).toBe(true);
  });

  it("raises a re-upload alert when a later sighting matches an item already confirmed", async () => {
    const md5 = randomHex(16);
    const caseId = await fileWith({ md5 });
    const [first] = await store([sighting("re-1", { md5, url: "https://a.example/1.jpg" })]);
    await matchPendingSightings(services, { ids: [first] });
    const [candidate] = await candidates(caseId);
    await decideMatch(services, caseworker, caseId, candidate.id, "confirm");
    const [later] = await store([sighting("re-2", { md5, url: "https://b.example/copy.jpg" })]);
    await matchPendingSightings(services, { ids: [later] });
    const all = await candidates(caseId);
    expect(all.map((m) => [m.sighting_id, m.state, Number(m.reupload)])).toEqual(
      expect.arrayContaining([
        [first, "confirmed", 0],
        [later, "candidate", 1],
      ]),
    );
    const alert = await services.db.selectFrom("case_event").selectAll().where("case_id", "=", caseId).where("template", "=", "reuploadAlert").execute();
    expect(alert).toHaveLength(1);
    expect(alert[0].visible_to_requester).toBe(0);
  });

  it("lets only the assigned caseworker decide, once, and tells the requester of a confirmation only", async () => {
    const sha = randomHex(32);
    const caseId = await fileWith({ sha256: sha });
    const [a, b] = await store([sighting("dc-1", { sha256: sha }), sighting("dc-2", { sha256: sha, withheld_until: "2027-06-01T00:00:00Z" })]);
    await matchPendingSightings(services, { ids: [a, b] });
    const [ma, mb] = (await candidates(caseId)).sort((x, y) => (x.sighting_id === a ? -1 : y.sighting_id === a ? 1 : 0));
    await expect(decideMatch(services, other, caseId, ma.id, "confirm")).rejects.toBeInstanceOf(Forbidden);
    await decideMatch(services, caseworker, caseId, ma.id, "confirm");
    await expect(decideMatch(services, caseworker, caseId, ma.id, "reject")).rejects.toEqual(new RemovalError("errors.alreadyDecided"));
    await decideMatch(services, caseworker, caseId, mb.id, "confirm");
    const events = await services.db.selectFrom("case_event").select(["template", "params", "visible_to_requester"]).where("case_id", "=", caseId).orderBy("at").orderBy("id").execute();
    const visible = events.filter((e) => e.visible_to_requester === 1).map((e) => e.template);
    expect(visible).toContain("instanceConfirmed");
    // The withheld one says only until when.
    const held = events.find((e) => e.template === "instanceHeldBack")!;
    expect(JSON.parse(held.params)).toEqual({ date: "2027-06-01T00:00:00.000Z" });
    const audit = await services.db.selectFrom("audit_log").select("action").where("case_id", "=", caseId).execute();
    expect(audit.map((r) => r.action).filter((a) => a.startsWith("match."))).toEqual(["match.confirm", "match.confirm"]);
  });

  it("keeps each instance's index current: a sighting stored through another connection is found", async () => {
    const second = openDatabase(get().url).db;
    try {
      const { services: elsewhere } = testServices({ ...get(), db: second });
      const index = sightingIndexFor(services.db);
      await index.ready();
      const base = randomPdq();
      const result = await ingestSightings(elsewhere, source, [sighting("poll-1", { pdq: flipBits(base, 5) })]);
      const [seq] = (await services.db.selectFrom("sighting").select("seq").where("id", "=", result.createdIds[0]).execute()).map((r) => Number(r.seq));
      expect(index.position).toBeLessThan(seq);
      expect(await index.catchUp()).toBe(1);
      expect(index.search(base, 31).map((m) => m.id)).toEqual([seq]);
      // Matching a new request catches up by itself.
      const also = randomPdq();
      await ingestSightings(elsewhere, source, [sighting("poll-2", { pdq: also })]);
      const caseId = await fileWith({ pdq: also });
      expect((await candidates(caseId)).map((m) => m.distance)).toEqual([0]);
    } finally {
      await second.destroy();
    }
  });

  it("sweeps items and sightings left unmatched", async () => {
    await sweepUnmatched(services); // whatever earlier tests left
    const sha = randomHex(32);
    const caseId = await fileWith({ references: "ref only" });
    // Items added while matching was not possible (as after a crash): matched_at stays empty.
    await addItemsToCase(services, caseId, [{ kind: "sha256", value: sha, pdqQuality: null }]);
    await services.db.updateTable("item").set({ matched_at: null }).where("case_id", "=", caseId).execute();
    const [id] = await store([sighting("sw-1", { sha256: sha })]);
    await services.db.updateTable("sighting").set({ matched_at: null }).where("id", "=", id).execute();
    await services.db.deleteFrom("match").where("case_id", "=", caseId).execute();
    const swept = await sweepUnmatched(services);
    expect(swept.candidates).toBe(1);
    expect((await candidates(caseId)).map((m) => m.sighting_id)).toEqual([id]);
    expect(await matchPendingItems(services)).toBe(0);
  });
});
