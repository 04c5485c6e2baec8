import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./server";

const cache = new Map<string, Record<string, unknown>>();

/**
 * The translated text the page should show: tr("nl", "home.title") reads
 * locales/nl/common.json, so tests follow translation changes by themselves.
 */
export function tr(lng: string, key: string, ns = "common"): string {
  const file = path.join(ROOT, "locales", lng, `${ns}.json`);
  if (!cache.has(file)) cache.set(file, JSON.parse(readFileSync(file, "utf8")));
  const value = key.split(".").reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], cache.get(file));
  if (typeof value !== "string") throw new Error(`no string "${key}" in ${path.relative(ROOT, file)}`);
  return value;
}
