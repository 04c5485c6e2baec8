/**
 * Languages and namespaces, shared by server and browser.
 * Each language is listed by its own name, from Intl, so adding one is a
 * matter of adding its folder under locales/ and its code here.
 */
export const supportedLanguages = ["en", "nl", "fr", "ar"] as const;
export type Language = (typeof supportedLanguages)[number];
export const fallbackLanguage: Language = "en";
export const defaultNamespace = "common";
export const namespaces = ["common", "request", "case", "casework", "mail", "staff", "privacy", "removal", "notice"] as const;

export function isSupportedLanguage(value: unknown): value is Language {
  return typeof value === "string" && (supportedLanguages as readonly string[]).includes(value);
}

/** "Nederlands", "Français", "العربية": a language's name in that language. */
export function nativeLanguageName(code: string): string {
  const name = new Intl.DisplayNames([code], { type: "language" }).of(code) ?? code;
  return name.charAt(0).toLocaleUpperCase(code) + name.slice(1);
}

/** Writing direction from the language, not from a hand-kept list. */
export function languageDirection(code: string): "ltr" | "rtl" {
  const locale = new Intl.Locale(code) as Intl.Locale & { textInfo?: { direction: string }; getTextInfo?: () => { direction: string } };
  const info = locale.getTextInfo?.() ?? locale.textInfo;
  return info?.direction === "rtl" ? "rtl" : "ltr";
}
