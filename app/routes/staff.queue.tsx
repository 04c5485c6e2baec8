import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { StaffShell } from "~/components/staff-shell";
import { countriesByName } from "~/cases/countries";
import { CASE_STATUSES, ROUTES, type CaseStatus, type Route } from "~/db/schema";
import { formatDate } from "~/components/ui/dates";
import { i18nServer } from "~/i18n/i18next.server";
import { nativeLanguageName, supportedLanguages } from "~/i18n/config";
import { requireStaff } from "~/staff/auth.server";
import { queue } from "~/staff/cases.server";

export const handle = { i18n: ["common", "staff", "casework", "case"] };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, headers } = await requireStaff(context, request, { permission: "read:queue" });
  const params = new URL(request.url).searchParams;
  const pick = <T extends string>(value: string | null, allowed: readonly T[]) => (allowed.includes(value as T) ? (value as T) : undefined);
  const filter = {
    status: pick(params.get("status"), CASE_STATUSES),
    route: pick(params.get("route"), ROUTES),
    country: params.get("country") || undefined,
    language: pick(params.get("language"), supportedLanguages),
    mine: params.get("mine") === "1",
    overdue: params.get("overdue") === "1",
  };
  const locale = await i18nServer.getLocale(request);
  const t = await i18nServer.getFixedT(locale, ["casework", "common"]);
  const result = await queue(context, user, filter);
  return json(
    { title: `${t("queue.title")} – ${t("common:site.name")}`, user, ...result, filter, countries: countriesByName(locale) },
    { headers }
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export default function Queue() {
  const { user, rows, counts, overdue, filter, countries } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation("casework");
  const { t: tc } = useTranslation("case");
  const open = (Object.entries(counts) as [CaseStatus, number][]).filter(([s]) => !["completed", "rejected", "withdrawn"].includes(s));
  return (
    <StaffShell user={user}>
      <div className="staff-page">
        <h1>{t("queue.title")}</h1>
        <ul className="counts" aria-label={t("queue.countsLabel")}>
          {open.map(([status, n]) => (
            <li key={status}>
              <Link to={`?status=${status}`}>{t("queue.count", { count: n, status: tc(`statuses.${status}`) })}</Link>
            </li>
          ))}
          <li>
            <Link to="?overdue=1" className={overdue ? "overdue" : undefined}>
              {t("queue.overdueCount", { count: overdue })}
            </Link>
          </li>
        </ul>
        <Form method="get" className="filters">
          <label>
            {t("queue.filters.status")}
            <select name="status" defaultValue={filter.status ?? ""}>
              <option value="">{t("queue.filters.open")}</option>
              {CASE_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {tc(`statuses.${s}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("queue.filters.route")}
            <select name="route" defaultValue={filter.route ?? ""}>
              <option value="">{t("queue.filters.any")}</option>
              {ROUTES.map((r: Route) => (
                <option key={r} value={r}>
                  {t(`routes.${r}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("queue.filters.country")}
            <select name="country" defaultValue={filter.country ?? ""}>
              <option value="">{t("queue.filters.any")}</option>
              {countries.map((c) => (
                <option key={c.code} value={c.code}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("queue.filters.language")}
            <select name="language" defaultValue={filter.language ?? ""}>
              <option value="">{t("queue.filters.any")}</option>
              {supportedLanguages.map((l) => (
                <option key={l} value={l}>
                  {nativeLanguageName(l)}
                </option>
              ))}
            </select>
          </label>
          <label className="checkbox">
            <input type="checkbox" name="mine" value="1" defaultChecked={filter.mine} />
            {t("queue.filters.mine")}
          </label>
          <label className="checkbox">
            <input type="checkbox" name="overdue" value="1" defaultChecked={filter.overdue} />
            {t("queue.filters.overdue")}
          </label>
          <button type="submit" className="button button--secondary button--small">
            {t("queue.filters.apply")}
          </button>
        </Form>
        {rows.length === 0 ? (
          <p>{t("queue.empty")}</p>
        ) : (
          <table className="table">
            <caption className="visually-hidden">{t("queue.title")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("queue.columns.reference")}</th>
                <th scope="col">{t("queue.columns.due")}</th>
                <th scope="col">{t("queue.columns.status")}</th>
                <th scope="col">{t("queue.columns.route")}</th>
                <th scope="col">{t("queue.columns.country")}</th>
                <th scope="col">{t("queue.columns.language")}</th>
                <th scope="col">{t("queue.columns.assigned")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.id} className={row.overdue ? "overdue" : undefined}>
                  <td>
                    <Link to={`/staff/cases/${row.id}`} dir="ltr">
                      {row.reference}
                    </Link>
                  </td>
                  <td>
                    {formatDate(row.dueAt, i18n.language)}
                    {row.overdue ? <strong className="tag tag--overdue"> {t("queue.overdue")}</strong> : null}
                  </td>
                  <td>{tc(`statuses.${row.status}`)}</td>
                  <td>{t(`routes.${row.route}`)}</td>
                  <td>{row.country}</td>
                  <td>{row.language}</td>
                  <td>{row.assignedName ?? t("queue.unassigned")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </StaffShell>
  );
}
