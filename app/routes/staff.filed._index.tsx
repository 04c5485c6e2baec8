import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { StaffShell } from "~/components/staff-shell";
import { formatDate } from "~/components/ui/dates";
import { i18nServer } from "~/i18n/i18next.server";
import { requireStaff } from "~/staff/auth.server";
import { filedCases } from "~/staff/filed.server";

export const handle = { i18n: ["common", "staff", "casework", "case"] };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, headers } = await requireStaff(context, request, { permission: "read:filed-case" });
  const t = await i18nServer.getFixedT(request, ["casework", "common"]);
  return json({ title: `${t("filed.title")} – ${t("common:site.name")}`, user, cases: await filedCases(context, user) }, { headers });
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export default function FiledCases() {
  const { user, cases } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation("casework");
  const { t: tc } = useTranslation("case");
  return (
    <StaffShell user={user}>
      <div className="staff-page">
        <h1>{t("filed.title")}</h1>
        <p>
          <Link className="button button--primary" to="/staff/file">
            {t("filed.new")}
          </Link>
        </p>
        {cases.length === 0 ? (
          <p>{t("filed.empty")}</p>
        ) : (
          <table className="table">
            <caption className="visually-hidden">{t("filed.title")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("queue.columns.reference")}</th>
                <th scope="col">{t("queue.columns.status")}</th>
                <th scope="col">{t("filed.handler")}</th>
                <th scope="col">{t("filed.received")}</th>
                <th scope="col">{t("queue.columns.due")}</th>
              </tr>
            </thead>
            <tbody>
              {cases.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Link to={`/staff/filed/${c.id}`} dir="ltr">
                      {c.reference}
                    </Link>
                  </td>
                  <td>{tc(`statuses.${c.status}`)}</td>
                  <td>{c.handler}</td>
                  <td>{formatDate(c.receivedAt, i18n.language)}</td>
                  <td>{formatDate(c.dueAt, i18n.language)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </StaffShell>
  );
}
