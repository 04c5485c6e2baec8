import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { i18nServer } from "~/i18n/i18next.server";

export const handle = { i18n: ["common", "request"] };

export async function loader({ request }: LoaderFunctionArgs) {
  const t = await i18nServer.getFixedT(request, ["request", "common"]);
  return json({ title: `${t("start.title")} – ${t("common:site.name")}` });
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export default function RequestStart() {
  const { t } = useTranslation("request");
  return (
    <article className="prose">
      <h1>{t("start.title")}</h1>
      <p className="lead">{t("start.lead")}</p>
      <h2>{t("start.howTitle")}</h2>
      <ol>
        <li>{t("start.how1")}</li>
        <li>{t("start.how2")}</li>
        <li>{t("start.how3")}</li>
      </ol>
      <h2>{t("start.needTitle")}</h2>
      <p>{t("start.need")}</p>
      <h2>{t("start.timeTitle")}</h2>
      <p>{t("start.time")}</p>
      <p className="note">{t("start.supportWorkers")}</p>
      <p>
        <Link className="button button--primary" to="/request/who">
          {t("start.begin")}
        </Link>
      </p>
    </article>
  );
}
