import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import type { FieldError } from "~/cases/request";
import { countryName } from "~/cases/countries";
import { formatDate } from "~/components/ui/dates";
import { SubmitButton } from "~/components/ui/form";
import type { CandidateRow, InstanceRow, RemovalCaseView } from "~/notices/casework.server";

/**
 * The caseworker's matching and removal sections of a case: candidates to
 * confirm or reject, re-upload alerts, confirmed instances by provider with
 * the notice to send, and the notices with their progress. Addresses are
 * inert text — never a link, never fetched, never previewed.
 */
export function RemovalSections({ removal, locale, closed }: { removal: RemovalCaseView; locale: string; closed: boolean; errors?: FieldError[] }) {
  const { t } = useTranslation("removal");
  const d = (iso: string) => formatDate(iso, locale);
  const { may } = removal;
  return (
    <>
      {removal.reuploadAlerts > 0 ? (
        <div className="panel panel--alert" role="status" data-testid="reupload-alert">
          <h2>{t("alert.title")}</h2>
          <p>{t("alert.text", { count: removal.reuploadAlerts })}</p>
        </div>
      ) : null}

      <section aria-labelledby="candidates-title">
        <h2 id="candidates-title">{t("candidates.title")}</h2>
        <p className="note">{t("candidates.explain")}</p>
        {removal.candidates.length === 0 ? (
          <p>{t("candidates.none")}</p>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="candidates">
              <thead>
                <tr>
                  <th scope="col">{t("candidates.match")}</th>
                  <th scope="col">{t("instance.address")}</th>
                  <th scope="col">{t("instance.facts")}</th>
                  <th scope="col">{t("candidates.decision")}</th>
                </tr>
              </thead>
              <tbody>
                {removal.candidates.map((c) => (
                  <tr key={c.matchId} data-testid="candidate">
                    <td>
                      <Distance candidate={c} />
                      {c.reupload ? <span className="tag tag--overdue"> {t("candidates.reupload")}</span> : null}
                    </td>
                    <td>
                      <Address url={c.url} />
                    </td>
                    <td>
                      <Facts instance={c} locale={locale} />
                    </td>
                    <td>
                      {may.review && !closed ? (
                        <Form method="post" className="actions">
                          <input type="hidden" name="matchId" value={c.matchId} />
                          <SubmitButton name="intent" value="confirm" variant="secondary">
                            {t("candidates.confirm")}
                          </SubmitButton>
                          <SubmitButton name="intent" value="reject" variant="warning">
                            {t("candidates.reject")}
                          </SubmitButton>
                        </Form>
                      ) : (
                        t("candidates.waiting")
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section aria-labelledby="instances-title-staff">
        <h2 id="instances-title-staff">{t("instances.title")}</h2>
        {removal.groups.length === 0 ? <p>{t("instances.none")}</p> : null}
        {!removal.wantsRemoval && removal.groups.length > 0 ? <p className="note">{t("instances.noRemoval")}</p> : null}
        {removal.groups.map((group) => (
          <div className="panel" key={group.providerId ?? "none"} data-testid="provider-group">
            <h3>
              {group.providerName
                ? t("instances.provider", { provider: group.providerName, country: group.providerCountry ? countryName(group.providerCountry, locale) : "" })
                : t("instances.unknownProvider")}
            </h3>
            <ul className="instances">
              {group.instances.map((i) => (
                <li key={i.sightingId}>
                  <Address url={i.url} />
                  <Facts instance={i} locale={locale} />
                  {i.inOpenNotice ? <p className="note">{t("instances.inNotice")}</p> : null}
                  {may.notify && !closed && i.removalState !== "removed" ? (
                    <Form method="post" className="inline-form">
                      <input type="hidden" name="intent" value="removed" />
                      <input type="hidden" name="sightingId" value={i.sightingId} />
                      <label>
                        {t("instances.removedOn")}
                        <input type="date" name="removedOn" />
                      </label>
                      <SubmitButton variant="secondary">{t("instances.recordRemoval")}</SubmitButton>
                    </Form>
                  ) : null}
                </li>
              ))}
            </ul>
            {removal.wantsRemoval && may.notify && !closed && group.providerId ? (
              group.notifiable === 0 ? null : group.hasContact ? (
                <Form method="post">
                  <input type="hidden" name="intent" value="notice" />
                  <input type="hidden" name="providerId" value={group.providerId} />
                  <div className="checkbox">
                    <input type="checkbox" id={`sender-${group.providerId}`} name="senderNamed" value="1" />
                    <label htmlFor={`sender-${group.providerId}`}>{t("notices.senderNamed")}</label>
                  </div>
                  <SubmitButton>{t("notices.send", { count: group.notifiable })}</SubmitButton>
                </Form>
              ) : (
                <p className="note">{t("notices.noContact")}</p>
              )
            ) : null}
          </div>
        ))}
      </section>

      <section aria-labelledby="notices-title">
        <h2 id="notices-title">{t("notices.title")}</h2>
        {removal.notices.length === 0 ? <p>{t("notices.none")}</p> : null}
        {removal.notices.map((n) => (
          <div className="panel" key={n.id} data-testid="notice">
            <h3>
              {t("notices.heading", { reference: n.reference, provider: n.providerName })} <span className="tag">{t(`notices.states.${n.state}`)}</span>
            </h3>
            <dl className="summary-list">
              <Row label={t("notices.sent")} value={d(n.sentAt)} />
              <Row label={t("notices.sendCount")} value={t("notices.times", { count: n.sendCount })} />
              {n.nextSendAt ? <Row label={t("notices.next")} value={d(n.nextSendAt)} /> : null}
              <Row
                label={t("notices.referral")}
                value={
                  n.referredAt
                    ? t("notices.referred", { date: d(n.referredAt) })
                    : n.referralFlaggedAt
                      ? t("notices.referralFlagged", { date: d(n.referralFlaggedAt), country: countryName(n.providerCountry, locale) })
                      : t("notices.referralDue", { date: d(n.referralDueAt) })
                }
              />
              {n.referralNote ? <Row label={t("notices.referralNote")} value={n.referralNote} /> : null}
              <Row label={t("notices.sender")} value={n.senderNamed ? t("notices.senderShown") : t("notices.senderHidden")} />
            </dl>
            <ul className="instances">
              {n.addresses.map((a) => (
                <li key={a.sightingId}>
                  <Address url={a.url} />{" "}
                  {a.removedAt ? (
                    <span data-testid="time-to-removal">{t("notices.removedAfter", { date: d(a.removedAt), count: a.removalHours ?? 0 })}</span>
                  ) : (
                    <span>{t("notices.stillOnline")}</span>
                  )}
                </li>
              ))}
            </ul>
            {may.notify && !closed && !n.referredAt && (n.state === "open" || n.state === "refused") ? (
              <Form method="post" className="inline-form">
                <input type="hidden" name="intent" value="referral" />
                <input type="hidden" name="noticeId" value={n.id} />
                <label>
                  {t("notices.referralNoteLabel")}
                  <input type="text" name="note" maxLength={500} />
                </label>
                <SubmitButton variant={n.referralFlaggedAt ? "primary" : "secondary"}>{t("notices.recordReferral")}</SubmitButton>
              </Form>
            ) : null}
            {may.notify && !closed && n.state === "open" ? (
              <Form method="post">
                <input type="hidden" name="intent" value="refused" />
                <input type="hidden" name="noticeId" value={n.id} />
                <SubmitButton variant="warning">{t("notices.recordRefusal")}</SubmitButton>
              </Form>
            ) : null}
          </div>
        ))}
      </section>

      {removal.decided.length > 0 ? (
        <section aria-labelledby="decided-title">
          <h2 id="decided-title">{t("decided.title")}</h2>
          <details className="disclosure">
            <summary>{t("decided.show", { count: removal.decided.length })}</summary>
            <ul>
              {removal.decided.map((m) => (
                <li key={m.matchId}>
                  <span className="tag">{t(`decided.states.${m.state}`)}</span> <Address url={m.url} /> {m.providerName ?? ""}
                </li>
              ))}
            </ul>
          </details>
        </section>
      ) : null}
    </>
  );
}

function Distance({ candidate }: { candidate: CandidateRow }) {
  const { t } = useTranslation("removal");
  return (
    <>
      {t(`candidates.kinds.${candidate.itemKind}`)}
      <br />
      <span data-testid="distance">{candidate.itemKind === "pdq" ? t("candidates.distance", { count: candidate.distance }) : t("candidates.exact")}</span>
    </>
  );
}

/** An address of abuse material: inert text only. */
function Address({ url }: { url: string | null }) {
  const { t } = useTranslation("removal");
  if (!url) return <span className="note">{t("instance.noAddress")}</span>;
  return (
    <span className="inert" dir="ltr" translate="no" data-testid="inert-url">
      {url}
    </span>
  );
}

function Facts({ instance, locale }: { instance: InstanceRow; locale: string }) {
  const { t } = useTranslation("removal");
  const d = (iso: string) => formatDate(iso, locale);
  return (
    <ul className="facts-inline">
      <li>
        {instance.providerName
          ? t("instance.provider", { provider: instance.providerName, country: instance.providerCountry ? countryName(instance.providerCountry, locale) : "" })
          : t("instance.unknownProvider")}
      </li>
      <li>{t("instance.reported", { date: d(instance.reportedAt), source: instance.sourceName })}</li>
      {instance.forwardedTo.length ? <li>{t("instance.forwarded", { authorities: instance.forwardedTo.join(", ") })}</li> : null}
      <li>
        {instance.removalState === "removed"
          ? instance.removedAt
            ? t("instance.removedOn", { date: d(instance.removedAt) })
            : t("instance.removed")
          : instance.removalState === "online"
            ? t("instance.online")
            : t("instance.unknownState")}
      </li>
      {instance.withheldUntil ? <li>{t("instance.withheld", { date: d(instance.withheldUntil) })}</li> : null}
    </ul>
  );
}

function Row({ label, value }: { label: string; value: string }) {
  return (
    <div className="summary-list__row">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
