import { useLocation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { nativeLanguageName } from "~/i18n/config";

/**
 * Plain links with ?lng=, inside a disclosure: works without JavaScript, and
 * each language is named in itself so a person can find theirs whatever the
 * page currently shows.
 */
export function LanguagePicker({ current, languages }: { current: string; languages: string[] }) {
  const { t } = useTranslation();
  const location = useLocation();
  const hrefFor = (lng: string) => {
    const params = new URLSearchParams(location.search);
    params.set("lng", lng);
    return `${location.pathname}?${params}`;
  };
  return (
    <details className="language-picker">
      <summary>
        <span className="visually-hidden">{t("language.label")}: </span>
        <span lang={current}>{nativeLanguageName(current)}</span>
      </summary>
      <nav aria-label={t("language.label")}>
        <ul>
          {languages.map((lng) => (
            <li key={lng}>
              <a
                href={hrefFor(lng)}
                lang={lng}
                hrefLang={lng}
                aria-current={lng === current ? "true" : undefined}
              >
                {nativeLanguageName(lng)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
    </details>
  );
}
