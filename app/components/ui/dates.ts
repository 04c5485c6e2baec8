/**
 * Dates in the reader's language. Always in UTC, so the server's rendering and
 * the browser's agree; a date (not a time) is what a person needs here.
 */
export function formatDate(iso: string, language: string): string {
  return new Intl.DateTimeFormat(language, { dateStyle: "long", timeZone: "UTC" }).format(new Date(iso));
}
