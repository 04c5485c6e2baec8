import { Link } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { LanguagePicker } from "./language-picker";
import { QuickExit } from "./quick-exit";

/** Skip link, header with the quick exit and the language picker, main, footer. */
export function PageShell({
  locale,
  languages,
  quickExitUrl,
  children,
}: {
  locale: string;
  languages: string[];
  quickExitUrl?: string;
  children: React.ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <>
      <a className="skip-link" href="#main">
        {t("shell.skipToContent")}
      </a>
      <header className="site-header">
        <div className="site-header__inner">
          <Link to="/" className="site-name">
            {t("site.name")}
          </Link>
          <div className="site-header__tools">
            {languages.length > 1 ? <LanguagePicker current={locale} languages={languages} /> : null}
            {quickExitUrl ? <QuickExit url={quickExitUrl} /> : null}
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="site-main">
        {children}
      </main>
      <footer className="site-footer">
        <p>{t("shell.footer")}</p>
      </footer>
    </>
  );
}
