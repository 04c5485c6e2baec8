import { useTranslation } from "react-i18next";
import type { CaseStatusView, InstanceView } from "~/cases/status.server";
import { countryName } from "~/cases/countries";
import { groupDigits } from "~/cases/format";
import { formatDate } from "~/components/ui/dates";
import { nativeLanguageName } from "~/i18n/config";

/**
 * Where the request stands, in the reader's current language. Never shows a
 * URL: the view model does not even carry one.
 */
export function CaseStatusDetails({ status }: { status: CaseStatusView }) {
  const { t, i18n } = useTranslation("case");
  const lng = i18n.language;
  return (
    <>
      <dl className="summary-list">
        <div className="summary-list__row">
          <dt>{t("status.reference")}</dt>
          <dd dir="ltr" translate="no">
            {groupDigits(status.reference)}
          </dd>
        </div>
        <div className="summary-list__row">
          <dt>{t("status.state")}</dt>
          <dd>
            <strong className={`tag tag--${status.status}`}>{t(`statuses.${status.status}`)}</strong>
          </dd>
        </div>
        <div className="summary-list__row">
          <dt>{t("status.handledBy")}</dt>
          <dd>{status.organisationName}</dd>
        </div>
        <div className="summary-list__row">
          <dt>{t("status.received")}</dt>
          <dd>{formatDate(status.receivedAt, lng)}</dd>
        </div>
        {status.closed ? null : (
          <div className="summary-list__row">
            <dt>{t("status.due")}</dt>
            <dd>
              {formatDate(status.dueAt, lng)}
              {status.extended ? <span className="note"> {t("status.extended")}</span> : null}
            </dd>
          </div>
        )}
      </dl>
      <p>{t(`route.${status.route}`, { country: countryName(status.country, lng) })}</p>

      {status.wantsInformation || status.wantsRemoval ? (
        <section aria-labelledby="instances-title">
          <h2 id="instances-title">{t("instances.title")}</h2>
          <Instances status={status} />
        </section>
      ) : null}

      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">{t("timeline.title")}</h2>
        <ol className="timeline">
          {status.timeline.map((entry) => (
            <li key={entry.id}>
              <time dateTime={entry.at}>{formatDate(entry.at, lng)}</time>
              <p>
                {t(`events.${entry.template}`, {
                  ...entry.params,
                  level: entry.params.level ? t(`levels.${entry.params.level}`) : undefined,
                  date: typeof entry.params.date === "string" ? formatDate(entry.params.date, lng) : undefined,
                  country: typeof entry.params.country === "string" && entry.params.country ? countryName(entry.params.country, lng) : undefined,
                })}
              </p>
              {entry.note ? (
                <blockquote lang={entry.note.language} dir="auto">
                  <p>{entry.note.text}</p>
                  {entry.note.language !== lng ? (
                    <footer className="note">{t("timeline.writtenIn", { language: nativeLanguageName(entry.note.language) })}</footer>
                  ) : null}
                </blockquote>
              ) : null}
            </li>
          ))}
        </ol>
      </section>

      <section aria-labelledby="items-title">
        <h2 id="items-title">{t("items.title")}</h2>
        <p>{t("items.explain")}</p>
        <ul>
          {(["url", "pdq", "sha256", "md5", "reference"] as const)
            .map((kind) => ({ kind, count: status.items.filter((i) => i.kind === kind).length }))
            .filter(({ count }) => count > 0)
            .map(({ kind, count }) => (
              <li key={kind}>{t(`items.count.${kind}`, { count })}</li>
            ))}
        </ul>
      </section>
    </>
  );
}

function Instances({ status }: { status: CaseStatusView }) {
  const { t, i18n } = useTranslation("case");
  const lng = i18n.language;
  const view = status.instances;
  switch (view.level) {
    case "unverified":
      return <p>{t("instances.unverified")}</p>;
    case "outcome":
      return view.final ? (
        <p>{t("instances.outcome", { count: view.total, removed: view.removed })}</p>
      ) : (
        <p>{t("instances.outcomePending")}</p>
      );
    case "summary":
      return (
        <ul>
          <li>{t("instances.summaryFound", { count: view.total })}</li>
          <li>{t("instances.summaryRemoved", { count: view.removed })}</li>
          <li>{t("instances.summaryForwarded", { count: view.forwarded })}</li>
          {view.withheld ? <li>{t("instances.summaryWithheld", { count: view.withheld })}</li> : null}
        </ul>
      );
    case "full":
      if (view.instances.length === 0) return <p>{t("instances.none")}</p>;
      return (
        <>
          <p className="content-note">{t("instances.contentNote")}</p>
          <details className="disclosure">
            <summary>{t("instances.show", { count: view.instances.length })}</summary>
            <ol className="instances">
              {view.instances.map((instance, index) => (
                <li key={index}>
                  <Instance instance={instance} lng={lng} />
                </li>
              ))}
            </ol>
          </details>
        </>
      );
  }
}

function Instance({ instance, lng }: { instance: InstanceView; lng: string }) {
  const { t } = useTranslation("case");
  if (instance.withheld) return <p>{t("instances.withheld", { date: formatDate(instance.withheldUntil, lng) })}</p>;
  return (
    <dl className="facts">
      <dt>{t("instances.provider")}</dt>
      <dd>{instance.providerName ?? t("instances.unknown")}</dd>
      <dt>{t("instances.providerCountry")}</dt>
      <dd>{instance.providerCountry ? countryName(instance.providerCountry, lng) : t("instances.unknown")}</dd>
      <dt>{t("instances.reportedAt")}</dt>
      <dd>{formatDate(instance.reportedAt, lng)}</dd>
      <dt>{t("instances.forwarded")}</dt>
      <dd>
        {instance.forwardedTo.length
          ? instance.forwardedAt
            ? t("instances.forwardedTo", { authorities: listFormat(instance.forwardedTo, lng), date: formatDate(instance.forwardedAt, lng) })
            : t("instances.forwardedToNoDate", { authorities: listFormat(instance.forwardedTo, lng) })
          : t("instances.notForwarded")}
      </dd>
      <dt>{t("instances.removal")}</dt>
      <dd>
        {instance.removalState === "removed"
          ? instance.removedAt
            ? t("instances.removedOn", { date: formatDate(instance.removedAt, lng) })
            : t("instances.removed")
          : instance.removalState === "online"
            ? t("instances.notRemoved")
            : t("instances.removalUnknown")}
      </dd>
      {instance.removalRequestedAt ? (
        <>
          <dt>{t("instances.removalRequested")}</dt>
          <dd>{formatDate(instance.removalRequestedAt, lng)}</dd>
        </>
      ) : null}
    </dl>
  );
}

const listFormat = (values: string[], lng: string) => new Intl.ListFormat(lng, { type: "conjunction" }).format(values);
