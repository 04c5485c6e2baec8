import { useTranslation } from "react-i18next";
import { useNonce } from "./nonce";

/** Three presses of Shift within this window leave the site, as GOV.UK's "Exit this page" does. */
const SHIFT_WINDOW_MS = 2_000;

/**
 * The behaviour lives in a tiny inline script in the page head rather than in
 * React, so it works from the first paint, before the page's JavaScript has
 * loaded: hide the page at once, and replace this history entry with the
 * neutral site so Back does not return here.
 */
export const QUICK_EXIT_SCRIPT = `(function(){var p=[];function leave(u){document.title="";if(document.body)document.body.hidden=true;location.replace(u)}
document.addEventListener("click",function(e){var a=e.target&&e.target.closest&&e.target.closest("[data-quick-exit]");if(a){e.preventDefault();leave(a.href)}},true);
document.addEventListener("keydown",function(e){if(e.key!=="Shift"){p=[];return}if(e.repeat)return;var n=Date.now();p=p.filter(function(t){return n-t<${SHIFT_WINDOW_MS}});p.push(n);if(p.length>=3){var a=document.querySelector("[data-quick-exit]");if(a)leave(a.href)}},true)})();`;

export function QuickExitScript() {
  const nonce = useNonce();
  // Browsers hide a nonce from the DOM once the page is parsed, so hydration sees it empty.
  return <script nonce={nonce} suppressHydrationWarning dangerouslySetInnerHTML={{ __html: QUICK_EXIT_SCRIPT }} />;
}

/** A neutral site replaces the page. Without JavaScript it is an ordinary link (the portal then stays in the history: browsers give no other way). */
export function QuickExit({ url }: { url: string }) {
  const { t } = useTranslation();
  return (
    <a href={url} className="quick-exit" rel="noreferrer noopener" data-testid="quick-exit" data-quick-exit="">
      <span className="quick-exit__label">{t("quickExit.label")}</span>
      <span className="quick-exit__hint">{t("quickExit.hint")}</span>
    </a>
  );
}
