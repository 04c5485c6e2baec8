import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { countryName } from "~/cases/countries";
import { HorizontalBarChart } from "~/components/charts";
import { StaffShell } from "~/components/staff-shell";
import { formatDate } from "~/components/ui/dates";
import { i18nServer } from "~/i18n/i18next.server";
import { removalDashboard } from "~/notices/dashboard.server";
import { requireStaff } from "~/staff/auth.server";

export const handle = { i18n: ["common", "staff", "removal"] };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, headers } = await requireStaff(context, request, { permission: "read:dashboard" });
  const locale = await i18nServer.getLocale(request);
  const t = await i18nServer.getFixedT(locale, ["removal", "common"]);
  const view = await removalDashboard(context, user);
  return json({ title: `${t("dashboard.title")} – ${t("common:site.name")}`, user, view, locale }, { headers });
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

const MEDIAN_FILL = "#2f6f62";
const P90_FILL = "#c98a1b";
const OPEN_FILL = "#4f6d9a";

export default function Dashboard() {
  const { user, view, locale } = useLoaderData<typeof loader>();
  const { t } = useTranslation("removal");
  const d = (iso: string) => formatDate(iso, locale);
  const h = (hours: number | null) => (hours === null ? t("dashboard.none") : duration(hours * 3600));
  // Under an hour in minutes, otherwise in hours with one decimal.
  const duration = (seconds: number | null) =>
    seconds === null
      ? t("dashboard.none")
      : seconds < 60
        ? t("dashboard.underMinute")
        : seconds < 3600
          ? t("dashboard.minutes", { count: Math.round(seconds / 60) })
          : t("dashboard.hours", { count: Math.round(seconds / 360) / 10 });
  const timed = view.providers.filter((p) => p.medianSeconds !== null);
  // The chart's unit follows its largest value: seconds, minutes or hours.
  const longest = Math.max(0, ...timed.map((p) => p.p90Seconds ?? 0));
  const [unit, perUnit] = longest >= 3600 ? (["hoursShort", 3600] as const) : longest >= 60 ? (["minutesShort", 60] as const) : (["secondsShort", 1] as const);
  return (
    <StaffShell user={user}>
      <div className="staff-page">
        <h1>{t("dashboard.title")}</h1>
        <ul className="counts" data-testid="dashboard-totals">
          <li>{t("dashboard.openNotices", { count: view.totals.openNotices })}</li>
          <li>{t("dashboard.removedInstances", { count: view.totals.removedInstances })}</li>
          <li data-testid="median-all">{t("dashboard.medianAll", { value: duration(view.totals.medianSeconds) })}</li>
          <li>{t("dashboard.p90All", { value: duration(view.totals.p90Seconds) })}</li>
          <li className={view.totals.overdueReferrals ? "overdue" : undefined}>{t("dashboard.overdueCount", { count: view.totals.overdueReferrals })}</li>
        </ul>

        <section aria-labelledby="overdue-title">
          <h2 id="overdue-title">{t("dashboard.overdueTitle")}</h2>
          {view.overdueReferrals.length === 0 ? (
            <p>{t("dashboard.noOverdue")}</p>
          ) : (
            <table className="table" data-testid="overdue-referrals">
              <thead>
                <tr>
                  <th scope="col">{t("dashboard.case")}</th>
                  <th scope="col">{t("dashboard.notice")}</th>
                  <th scope="col">{t("dashboard.provider")}</th>
                  <th scope="col">{t("dashboard.authority")}</th>
                  <th scope="col">{t("dashboard.flagged")}</th>
                </tr>
              </thead>
              <tbody>
                {view.overdueReferrals.map((r) => (
                  <tr key={r.id} className="overdue">
                    <td>
                      <Link to={`/staff/cases/${r.caseId}`}>{r.caseReference}</Link>
                    </td>
                    <td dir="ltr">{r.reference}</td>
                    <td>{r.providerName}</td>
                    <td>{countryName(r.providerCountry, locale)}</td>
                    <td>{t("dashboard.flaggedAgo", { date: d(r.flaggedAt), value: h(r.overdueHours) })}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <section aria-labelledby="times-title">
          <h2 id="times-title">{t("dashboard.timesTitle")}</h2>
          <p className="note">{t("dashboard.timesExplain")}</p>
          {timed.length === 0 ? (
            <p>{t("dashboard.noRemovals")}</p>
          ) : (
            <HorizontalBarChart
              id="chart-time-to-removal"
              title={t("dashboard.timesTitle")}
              description={t("dashboard.timesChartDescription")}
              series={[
                { label: t("dashboard.median"), fill: MEDIAN_FILL },
                { label: t("dashboard.p90"), fill: P90_FILL },
              ]}
              rows={timed.map((p) => ({ label: p.name, values: [p.medianSeconds! / perUnit, p.p90Seconds! / perUnit] }))}
              format={(v) => t(`dashboard.${unit}`, { count: v >= 10 ? Math.round(v) : Math.round(v * 10) / 10 })}
            />
          )}
          <table className="table" data-testid="provider-times">
            <thead>
              <tr>
                <th scope="col">{t("dashboard.provider")}</th>
                <th scope="col">{t("dashboard.country")}</th>
                <th scope="col">{t("dashboard.removed")}</th>
                <th scope="col">{t("dashboard.open")}</th>
                <th scope="col">{t("dashboard.median")}</th>
                <th scope="col">{t("dashboard.p90")}</th>
              </tr>
            </thead>
            <tbody>
              {view.providers.map((p) => (
                <tr key={p.providerId}>
                  <td>{p.name}</td>
                  <td>{countryName(p.country, locale)}</td>
                  <td>{p.removed}</td>
                  <td>{p.open}</td>
                  <td data-testid="median">{duration(p.medianSeconds)}</td>
                  <td>{duration(p.p90Seconds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>

        <section aria-labelledby="open-title">
          <h2 id="open-title">{t("dashboard.openTitle")}</h2>
          {view.openNotices.length === 0 ? (
            <p>{t("dashboard.noOpen")}</p>
          ) : (
            <>
              <HorizontalBarChart
                id="chart-open-notices"
                title={t("dashboard.ageTitle")}
                description={t("dashboard.ageChartDescription")}
                series={[{ label: t("dashboard.openSeries"), fill: OPEN_FILL }]}
                rows={view.ageBuckets.map((b) => ({ label: t(`dashboard.ages.${b.key}`), values: [b.count] }))}
                format={(v) => String(Math.round(v * 10) / 10)}
              />
              <table className="table" data-testid="open-notices">
                <thead>
                  <tr>
                    <th scope="col">{t("dashboard.case")}</th>
                    <th scope="col">{t("dashboard.notice")}</th>
                    <th scope="col">{t("dashboard.provider")}</th>
                    <th scope="col">{t("dashboard.sent")}</th>
                    <th scope="col">{t("dashboard.sendCount")}</th>
                    <th scope="col">{t("dashboard.stillOnline")}</th>
                    <th scope="col">{t("dashboard.referralDue")}</th>
                  </tr>
                </thead>
                <tbody>
                  {view.openNotices.map((n) => (
                    <tr key={n.id} className={n.flagged ? "overdue" : undefined}>
                      <td>
                        <Link to={`/staff/cases/${n.caseId}`}>{n.caseReference}</Link>
                      </td>
                      <td dir="ltr">{n.reference}</td>
                      <td>{n.providerName}</td>
                      <td>{d(n.sentAt)}</td>
                      <td>{n.sendCount}</td>
                      <td>{n.online}</td>
                      <td>{n.flagged ? t("dashboard.flaggedNow") : d(n.referralDueAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </section>
      </div>
    </StaffShell>
  );
}
