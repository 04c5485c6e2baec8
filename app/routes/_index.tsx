import { Link } from "@remix-run/react";
import { useTranslation } from "react-i18next";

export const handle = { i18n: "common" };

export default function Home() {
  const { t } = useTranslation();
  return (
    <article className="prose">
      <h1>{t("home.title")}</h1>
      <p className="lead">{t("home.lead")}</p>
      <div className="actions">
        <Link className="button button--primary" to="/request">
          {t("home.start")}
        </Link>
      </div>
      <p>
        {t("home.checkLead")} <Link to="/case">{t("home.check")}</Link>
      </p>
      <h2>{t("home.whatTitle")}</h2>
      <ul>
        <li>{t("home.whatFind")}</li>
        <li>{t("home.whatRemove")}</li>
        <li>{t("home.whatFollow")}</li>
      </ul>
      <h2>{t("home.safeTitle")}</h2>
      <ul>
        <li>{t("home.safeNoImages")}</li>
        <li>{t("home.safeNoAccount")}</li>
        <li>{t("home.safeQuickExit")}</li>
      </ul>
    </article>
  );
}
