import { useEffect } from "react";
import { useTranslation } from "react-i18next";

/** Three presses of Shift within this window leave the site, as GOV.UK's "Exit this page" does. */
const SHIFT_WINDOW_MS = 2_000;

function leave(url: string) {
  // Hide the page at once, even if the next site is slow to load, and replace
  // this history entry so the back button does not return here.
  document.title = "";
  document.body.hidden = true;
  window.location.replace(url);
}

/**
 * A neutral site replaces the page. Without JavaScript it is an ordinary link
 * (the portal then stays in the history: browsers give no other way).
 */
export function QuickExit({ url }: { url: string }) {
  const { t } = useTranslation();

  useEffect(() => {
    let presses: number[] = [];
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== "Shift" || event.repeat) {
        if (event.key !== "Shift") presses = [];
        return;
      }
      const now = Date.now();
      presses = [...presses.filter((at) => now - at < SHIFT_WINDOW_MS), now];
      if (presses.length >= 3) leave(url);
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [url]);

  return (
    <a
      href={url}
      className="quick-exit"
      rel="noreferrer noopener"
      data-testid="quick-exit"
      onClick={(event) => {
        event.preventDefault();
        leave(url);
      }}
    >
      <span className="quick-exit__label">{t("quickExit.label")}</span>
      <span className="quick-exit__hint">{t("quickExit.hint")}</span>
    </a>
  );
}
