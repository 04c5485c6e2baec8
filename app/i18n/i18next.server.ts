import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { createCookie } from "@remix-run/node";
import type { Resource, ResourceLanguage } from "i18next";
import { RemixI18Next } from "remix-i18next/server";
import { defaultNamespace, fallbackLanguage, isSupportedLanguage, supportedLanguages } from "./config";

/** Translations live at the top level, locales/<lng>/<namespace>.json. */
export const LOCALES_DIR = path.resolve(process.cwd(), "locales");

/**
 * The language picker's choice. A session cookie: it ends with the browser,
 * so a shared device keeps no lasting trace of the visit.
 */
export const languageCookie = createCookie("lng", { path: "/", sameSite: "lax", httpOnly: true });

function readResources(): Resource {
  const resources: Resource = {};
  for (const lng of readdirSync(LOCALES_DIR)) {
    if (!isSupportedLanguage(lng)) continue;
    const namespaces: ResourceLanguage = {};
    for (const file of readdirSync(path.join(LOCALES_DIR, lng))) {
      if (!file.endsWith(".json")) continue;
      namespaces[file.slice(0, -".json".length)] = JSON.parse(readFileSync(path.join(LOCALES_DIR, lng, file), "utf8"));
    }
    resources[lng] = namespaces;
  }
  return resources;
}

export const resources = readResources();

export const i18nServer = new RemixI18Next({
  detection: {
    supportedLanguages: [...supportedLanguages],
    fallbackLanguage,
    cookie: languageCookie,
    order: ["searchParams", "cookie", "header"],
  },
  i18next: {
    supportedLngs: [...supportedLanguages],
    fallbackLng: fallbackLanguage,
    defaultNS: defaultNamespace,
    resources,
    interpolation: { escapeValue: false },
  },
});

/** One namespace of one language, for the browser's resource route. */
export function namespaceResource(lng: string, ns: string): ResourceLanguage[string] | undefined {
  if (!isSupportedLanguage(lng)) return undefined;
  return Object.hasOwn(resources[lng] ?? {}, ns) ? resources[lng][ns] : undefined;
}
