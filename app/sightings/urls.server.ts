import { createHash } from "node:crypto";

/** An address as matching compares it: normalised (see normaliseUrl in app/cases/request.ts), without the fragment, which never leaves the browser. */
export const withoutFragment = (url: string) => url.split("#")[0];

/** SHA-256 of the address as matching compares it: the sighting's `url_hash`. */
export const urlHash = (url: string) => createHash("sha256").update(withoutFragment(url)).digest("hex");
