import { addCaseEvent } from "~/cases/cases.server";
import type { Services } from "~/context";
import type { Db } from "~/db/db.server";

/**
 * What follows when an instance is removed, however that became known (the
 * source reported it through the API or an import, or a caseworker recorded
 * it): each notice naming it records the time to removal; a notice whose
 * every address is gone stops being re-sent; and every case with a
 * confirmed match to it gets a timeline entry.
 *
 * Runs inside the caller's transaction, so the sighting's new state and its
 * consequences are written together or not at all.
 */
export async function applyRemovals(
  services: Pick<Services, "db" | "now" | "vault">,
  trx: Db,
  removals: { sightingId: string; removedAt: string }[],
  recordedBy: string,
): Promise<void> {
  if (removals.length === 0) return;
  const at = services.now().toISOString();
  const ids = removals.map((r) => r.sightingId);
  const removedAt = new Map(removals.map((r) => [r.sightingId, r.removedAt]));
  const seconds = (from: string, to: string) => Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));

  for (let i = 0; i < ids.length; i += 200) {
    const chunk = ids.slice(i, i + 200);
    const named = await trx
      .selectFrom("notice_sighting")
      .innerJoin("notice", "notice.id", "notice_sighting.notice_id")
      .select(["notice_sighting.notice_id", "notice_sighting.sighting_id", "notice.sent_at"])
      .where("notice_sighting.sighting_id", "in", chunk)
      .where("notice_sighting.removed_at", "is", null)
      .execute();
    for (const row of named) {
      const when = removedAt.get(row.sighting_id)!;
      await trx
        .updateTable("notice_sighting")
        .set({ removed_at: when, removal_seconds: seconds(row.sent_at, when), removal_recorded_by: recordedBy })
        .where("notice_id", "=", row.notice_id)
        .where("sighting_id", "=", row.sighting_id)
        .execute();
    }
    // Notices with nothing left online are done.
    const noticeIds = [...new Set(named.map((r) => r.notice_id))];
    for (const noticeId of noticeIds) {
      const left = await trx
        .selectFrom("notice_sighting")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("notice_id", "=", noticeId)
        .where("removed_at", "is", null)
        .executeTakeFirstOrThrow();
      if (Number(left.n) === 0) {
        await trx.updateTable("notice").set({ state: "removed", next_send_at: null, closed_at: at }).where("id", "=", noticeId).where("state", "=", "open").execute();
      }
    }

    // The victims' timelines: one entry per case and removed instance.
    const confirmed = await trx
      .selectFrom("match")
      .innerJoin("sighting", "sighting.id", "match.sighting_id")
      .leftJoin("provider", "provider.id", "sighting.provider_id")
      .select(["match.case_id", "match.sighting_id", "sighting.withheld_until", "provider.name as provider_name"])
      .where("match.sighting_id", "in", chunk)
      .where("match.state", "=", "confirmed")
      .execute();
    const seen = new Set<string>();
    for (const row of confirmed) {
      const key = `${row.case_id} ${row.sighting_id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const notice = await trx
        .selectFrom("notice_sighting")
        .innerJoin("notice", "notice.id", "notice_sighting.notice_id")
        .select(["notice_sighting.removal_seconds"])
        .where("notice.case_id", "=", row.case_id)
        .where("notice_sighting.sighting_id", "=", row.sighting_id)
        .orderBy("notice.sent_at")
        .executeTakeFirst();
      const withheld = row.withheld_until !== null && row.withheld_until > at;
      const event: { template: string; params: Record<string, string | number> } =
        withheld || !row.provider_name
          ? { template: "removed", params: {} }
          : notice && notice.removal_seconds !== null
            ? Number(notice.removal_seconds) < 3600
              ? { template: "instanceRemovedWithinHour", params: { provider: row.provider_name } }
              : { template: "instanceRemoved", params: { provider: row.provider_name, count: Math.round(Number(notice.removal_seconds) / 3600) } }
            : { template: "instanceRemovedNoNotice", params: { provider: row.provider_name } };
      await addCaseEvent(services as Services, row.case_id, { ...event, visibleToRequester: true, actor: recordedBy === "api" || recordedBy === "import" ? "system" : "staff" }, trx);
    }
  }
}
