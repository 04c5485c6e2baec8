import { randomUUID } from "node:crypto";
import { recordAudit } from "~/audit/audit.server";
import { addCaseEvent, CLOSED_STATUSES } from "~/cases/cases.server";
import type { Services } from "~/context";
import type { Db } from "~/db/db.server";
import type { ItemKind } from "~/db/schema";
import { MIN_QUALITY } from "~/hashing/pdq";
import { RemovalError } from "~/notices/notices.server";
import { urlHash, withoutFragment } from "~/sightings/urls.server";
import { authorizeCase } from "~/staff/cases.server";
import type { StaffIdentity } from "~/staff/permissions";
import { PdqIndex } from "./pdq-index";
import { sightingIndexFor } from "./sighting-index.server";

/**
 * Matching, both ways (docs/decisions/012-sightings-and-matching.md):
 * a requester's new items against every sighting, and new sightings against
 * the items of every open case. SHA-256, MD5 and web addresses match exactly
 * through database indexes; PDQ hashes within PDQ_MATCH_DISTANCE (31) bits,
 * through the in-memory index. Every match is a *candidate*: nothing reaches
 * the requester until a caseworker confirms it.
 *
 * Items and sightings carry `matched_at`, set in the transaction that stores
 * their candidates. The request path matches right after filing or ingest;
 * the server's worker sweeps whatever is still unmatched (a crash, another
 * process), so nothing is left out. Candidates are unique per (item,
 * sighting), so matching something twice does no harm.
 */
type Deps = Pick<Services, "db" | "now" | "vault" | "env">;

const BATCH = 500;
const IN_CHUNK = 500;
const usablePdq = (quality: number | null) => quality === null || quality >= MIN_QUALITY;

interface Found {
  caseId: string;
  itemId: string;
  sightingId: string;
  distance: number;
}

function chunks<T>(list: T[], size = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** Store candidates (ignoring ones that exist) and put a line on each case's internal timeline. */
async function storeCandidates(services: Deps, trx: Db, found: Found[], { fromSightings }: { fromSightings: boolean }): Promise<number> {
  if (found.length === 0) return 0;
  const at = services.now().toISOString();
  // A new sighting of material already confirmed for this case: a re-upload.
  const confirmedItems = new Set<string>();
  if (fromSightings) {
    for (const ids of chunks([...new Set(found.map((f) => f.itemId))])) {
      const rows = await trx.selectFrom("match").select("item_id").where("item_id", "in", ids).where("state", "=", "confirmed").execute();
      for (const r of rows) confirmedItems.add(r.item_id);
    }
  }
  const unique = [...new Map(found.map((f) => [`${f.itemId} ${f.sightingId}`, f])).values()];
  const inserted: { case_id: string; reupload: number }[] = [];
  for (const part of chunks(unique, 200)) {
    const rows = await trx
      .insertInto("match")
      .values(
        part.map((f) => ({
          id: randomUUID(),
          case_id: f.caseId,
          item_id: f.itemId,
          sighting_id: f.sightingId,
          distance: f.distance,
          state: "candidate" as const,
          decided_by: null,
          decided_at: null,
          created_at: at,
          reupload: confirmedItems.has(f.itemId) ? (1 as const) : (0 as const),
        })),
      )
      .onConflict((oc) => oc.columns(["item_id", "sighting_id"]).doNothing())
      .returning(["case_id", "reupload"])
      .execute();
    inserted.push(...rows);
  }
  const perCase = new Map<string, { count: number; reuploads: number }>();
  for (const row of inserted) {
    const entry = perCase.get(row.case_id) ?? { count: 0, reuploads: 0 };
    entry.count++;
    if (Number(row.reupload) === 1) entry.reuploads++;
    perCase.set(row.case_id, entry);
  }
  for (const [caseId, { count, reuploads }] of perCase) {
    await addCaseEvent(services as Services, caseId, { template: "candidatesFound", params: { count }, visibleToRequester: false, actor: "system" }, trx);
    if (reuploads) await addCaseEvent(services as Services, caseId, { template: "reuploadAlert", params: { count: reuploads }, visibleToRequester: false, actor: "system" }, trx);
  }
  return inserted.length;
}

/**
 * Match items not yet matched (of open cases; of one case when given)
 * against all sightings. Returns how many candidates were created.
 */
export async function matchPendingItems(services: Deps, { caseId, maxBatches = Number.POSITIVE_INFINITY }: { caseId?: string; maxBatches?: number } = {}): Promise<number> {
  const index = sightingIndexFor(services.db);
  await index.catchUp();
  const distance = services.env.PDQ_MATCH_DISTANCE;
  let created = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    let query = services.db
      .selectFrom("item")
      .innerJoin("case", "case.id", "item.case_id")
      .select("item.id")
      .where("item.matched_at", "is", null)
      .where("case.status", "not in", CLOSED_STATUSES);
    if (caseId) query = query.where("item.case_id", "=", caseId);
    const pending = await query.orderBy("item.added_at").orderBy("item.id").limit(BATCH).execute();
    if (pending.length === 0) break;
    created += await services.db.transaction().execute(async (trx) => {
      const at = services.now().toISOString();
      const items = await trx
        .updateTable("item")
        .set({ matched_at: at })
        .where("id", "in", pending.map((p) => p.id))
        .where("matched_at", "is", null)
        .returning(["id", "case_id", "kind", "value", "pdq_quality"])
        .execute();
      const found: Found[] = [];
      const exact = async (kind: ItemKind, column: "sha256" | "md5" | "url_hash", key: (value: string) => string) => {
        const wanted = items.filter((i) => i.kind === kind);
        const byKey = new Map<string, typeof wanted>();
        for (const item of wanted) byKey.set(key(item.value), [...(byKey.get(key(item.value)) ?? []), item]);
        for (const keys of chunks([...byKey.keys()])) {
          const rows = await trx.selectFrom("sighting").select(["id", column]).where(column, "in", keys).execute();
          for (const row of rows) for (const item of byKey.get(row[column] as string) ?? []) found.push({ caseId: item.case_id, itemId: item.id, sightingId: row.id, distance: 0 });
        }
      };
      await exact("sha256", "sha256", (v) => v);
      await exact("md5", "md5", (v) => v);
      await exact("url", "url_hash", urlHash);
      const pdqHits: { item: (typeof items)[number]; seq: number; distance: number }[] = [];
      for (const item of items) {
        if (item.kind !== "pdq" || !usablePdq(item.pdq_quality)) continue;
        for (const hit of index.search(item.value, distance)) pdqHits.push({ item, seq: hit.id, distance: hit.distance });
      }
      for (const part of chunks(pdqHits)) {
        const rows = await trx.selectFrom("sighting").select(["id", "seq"]).where("seq", "in", part.map((h) => h.seq)).execute();
        const bySeq = new Map(rows.map((r) => [Number(r.seq), r.id]));
        for (const hit of part) {
          const sightingId = bySeq.get(hit.seq);
          if (sightingId) found.push({ caseId: hit.item.case_id, itemId: hit.item.id, sightingId, distance: hit.distance });
        }
      }
      return storeCandidates(services, trx, found, { fromSightings: false });
    });
    if (pending.length < BATCH) break;
  }
  return created;
}

/**
 * Match sightings not yet matched (the given ones, or any) against the items
 * of every open case. Returns how many candidates were created.
 */
export async function matchPendingSightings(services: Deps, { ids, maxBatches = Number.POSITIVE_INFINITY }: { ids?: string[]; maxBatches?: number } = {}): Promise<number> {
  const distance = services.env.PDQ_MATCH_DISTANCE;
  let created = 0;
  const idChunks = ids ? chunks(ids, BATCH) : null;
  for (let batch = 0; batch < maxBatches; batch++) {
    let pending: { id: string }[];
    if (idChunks) {
      if (batch >= idChunks.length) break;
      pending = idChunks[batch].map((id) => ({ id }));
    } else {
      pending = await services.db.selectFrom("sighting").select("id").where("matched_at", "is", null).orderBy("seq").limit(BATCH).execute();
      if (pending.length === 0) break;
    }
    created += await services.db.transaction().execute(async (trx) => {
      const at = services.now().toISOString();
      const sightings = await trx
        .updateTable("sighting")
        .set({ matched_at: at })
        .where("id", "in", pending.map((p) => p.id))
        .where("matched_at", "is", null)
        .returning(["id", "url", "pdq", "pdq_quality", "sha256", "md5"])
        .execute();
      if (sightings.length === 0) return 0;
      const found: Found[] = [];
      const openItems = (kind: ItemKind, values: string[]) =>
        trx
          .selectFrom("item")
          .innerJoin("case", "case.id", "item.case_id")
          .select(["item.id", "item.case_id", "item.value"])
          .where("item.kind", "=", kind)
          .where("item.value", "in", values)
          .where("case.status", "not in", CLOSED_STATUSES)
          .execute();
      for (const [kind, column] of [["sha256", "sha256"], ["md5", "md5"], ["url", "url"]] as const) {
        const byValue = new Map<string, string[]>();
        for (const s of sightings) {
          const value = s[column];
          if (value) byValue.set(value, [...(byValue.get(value) ?? []), s.id]);
        }
        if (byValue.size === 0) continue;
        for (const values of chunks([...byValue.keys()])) {
          for (const item of await openItems(kind, values)) {
            for (const sightingId of byValue.get(item.value) ?? []) found.push({ caseId: item.case_id, itemId: item.id, sightingId, distance: 0 });
          }
        }
        if (kind === "url") {
          // A requester's address may carry a #fragment, which sightings never do: compare those few without it.
          const withFragment = await trx
            .selectFrom("item")
            .innerJoin("case", "case.id", "item.case_id")
            .select(["item.id", "item.case_id", "item.value"])
            .where("item.kind", "=", "url")
            .where("item.value", "like", "%#%")
            .where("case.status", "not in", CLOSED_STATUSES)
            .execute();
          for (const item of withFragment) {
            for (const sightingId of byValue.get(withoutFragment(item.value)) ?? []) found.push({ caseId: item.case_id, itemId: item.id, sightingId, distance: 0 });
          }
        }
      }
      const withPdq = sightings.filter((s) => s.pdq && usablePdq(s.pdq_quality));
      if (withPdq.length) {
        // Open cases hold few hashes next to the sightings: index them for this batch.
        const items = (
          await trx
            .selectFrom("item")
            .innerJoin("case", "case.id", "item.case_id")
            .select(["item.id", "item.case_id", "item.value", "item.pdq_quality"])
            .where("item.kind", "=", "pdq")
            .where("case.status", "not in", CLOSED_STATUSES)
            .execute()
        ).filter((i) => usablePdq(i.pdq_quality));
        if (items.length) {
          const itemIndex = PdqIndex.build(items.map((item, position) => [position, item.value] as const));
          for (const s of withPdq) {
            for (const hit of itemIndex.search(s.pdq!, distance)) {
              const item = items[hit.id];
              found.push({ caseId: item.case_id, itemId: item.id, sightingId: s.id, distance: hit.distance });
            }
          }
        }
      }
      return storeCandidates(services, trx, found, { fromSightings: true });
    });
    if (!idChunks && pending.length < BATCH) break;
  }
  return created;
}

/**
 * Run after a case's items were stored: match them now, so the caseworker
 * sees candidates at once. A failure here is not the requester's problem:
 * the worker's sweep matches the items later.
 */
export async function matchCaseItemsQuietly(services: Deps, caseId: string): Promise<void> {
  try {
    await matchPendingItems(services, { caseId });
  } catch (error) {
    if (services.env.LOG_LEVEL !== "silent") console.error(`matching: items of a new request not matched yet (${(error as Error).name}); the sweep will retry`);
  }
}

/** One sweep: catch the index up, then match whatever is still unmatched. */
export async function sweepUnmatched(services: Deps): Promise<{ indexed: number; candidates: number }> {
  const indexed = await sightingIndexFor(services.db).catchUp();
  const candidates = (await matchPendingSightings(services, { maxBatches: 20 })) + (await matchPendingItems(services, { maxBatches: 20 }));
  return { indexed, candidates };
}

export type MatchDecision = "confirm" | "reject";

/** A caseworker's decision on a candidate: only a confirmed match ever reaches the requester. */
export async function decideMatch(services: Deps, user: StaffIdentity, caseId: string, matchId: string, decision: MatchDecision): Promise<void> {
  await authorizeCase(services as Services, user, "review:match", caseId);
  const at = services.now().toISOString();
  await services.db.transaction().execute(async (trx) => {
    const match = await trx
      .selectFrom("match")
      .innerJoin("sighting", "sighting.id", "match.sighting_id")
      .leftJoin("provider", "provider.id", "sighting.provider_id")
      .select(["match.id", "match.state", "match.sighting_id", "match.distance", "match.reupload", "sighting.withheld_until", "provider.name as provider_name", "provider.country as provider_country"])
      .where("match.id", "=", matchId)
      .where("match.case_id", "=", caseId)
      .executeTakeFirst();
    if (!match) throw new RemovalError("errors.noMatch");
    if (match.state !== "candidate") throw new RemovalError("errors.alreadyDecided");
    const status = (await trx.selectFrom("case").select("status").where("id", "=", caseId).executeTakeFirstOrThrow()).status;
    if (CLOSED_STATUSES.includes(status)) throw new RemovalError("errors.closed");
    const updated = await trx
      .updateTable("match")
      .set({ state: decision === "confirm" ? "confirmed" : "rejected", decided_by: user.id, decided_at: at })
      .where("id", "=", matchId)
      .where("state", "=", "candidate")
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new RemovalError("errors.alreadyDecided");
    if (decision === "confirm") {
      // The same instance may have matched through several items: the requester hears of it once.
      const already = await trx
        .selectFrom("match")
        .select("id")
        .where("case_id", "=", caseId)
        .where("sighting_id", "=", match.sighting_id)
        .where("state", "=", "confirmed")
        .where("id", "!=", matchId)
        .executeTakeFirst();
      if (!already) {
        const event: { template: string; params: Record<string, string | number> } =
          match.withheld_until && match.withheld_until > at
            ? { template: "instanceHeldBack", params: { date: match.withheld_until } }
            : match.provider_name
              ? { template: "instanceConfirmed", params: { provider: match.provider_name, country: match.provider_country ?? "", count: 1 } }
              : { template: "instanceConfirmedNoProvider", params: { count: 1 } };
        await addCaseEvent(services as Services, caseId, { ...event, visibleToRequester: true, actor: "staff" }, trx);
      }
    }
    await trx.updateTable("case").set({ updated_at: at }).where("id", "=", caseId).execute();
    await recordAudit(
      services,
      {
        actorKind: "staff",
        actorId: user.id,
        organisationId: user.organisationId,
        action: decision === "confirm" ? "match.confirm" : "match.reject",
        caseId,
        details: { matchId, distance: match.distance, reupload: Number(match.reupload) === 1 },
      },
      trx,
    );
  });
}
