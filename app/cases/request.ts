import { z } from "zod";
import { isCountryCode } from "./countries";

/**
 * The victim's request, step by step. Validation runs on the server; every
 * error is a translation key (under `errors.*`) with its parameters, so it
 * reads in the person's language.
 */
export const REQUEST_STEPS = ["who", "where", "what", "items", "detail", "contact", "review"] as const;
export type RequestStep = (typeof REQUEST_STEPS)[number];
export const isRequestStep = (value: unknown): value is RequestStep =>
  typeof value === "string" && (REQUEST_STEPS as readonly string[]).includes(value);

export const MAX_ITEMS = 200;
export const MAX_URL_LENGTH = 2048;
export const MAX_REFERENCE_LENGTH = 200;
export const MAX_TEXTAREA_LENGTH = 500_000;
export const MAX_EMAIL_LENGTH = 254;
export const MAX_ORGANISATION_LENGTH = 200;
export const MAX_MESSAGE_LENGTH = 5000;

export interface FieldError {
  field: string;
  key: string;
  params?: Record<string, string | number>;
}

export const REQUESTER_RELATIONS = ["self", "parent", "guardian", "legal_representative"] as const;
export const WANTS = ["information", "removal", "both"] as const;
export type Wants = (typeof WANTS)[number];

const choice = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { errorMap: () => ({ message: "errors.choose" }) });

const stepSchemas = {
  who: z.object({ relation: choice(REQUESTER_RELATIONS) }),
  where: z.object({
    country: z.string({ required_error: "errors.country" }).refine(isCountryCode, "errors.country"),
  }),
  what: z.object({ wants: choice(WANTS) }),
  items: z.object({
    urls: z.string().max(MAX_TEXTAREA_LENGTH, "errors.tooLong").default(""),
    pdq: z.string().max(MAX_TEXTAREA_LENGTH, "errors.tooLong").default(""),
    sha256: z.string().max(MAX_TEXTAREA_LENGTH, "errors.tooLong").default(""),
    md5: z.string().max(MAX_TEXTAREA_LENGTH, "errors.tooLong").default(""),
    references: z.string().max(MAX_TEXTAREA_LENGTH, "errors.tooLong").default(""),
  }),
  detail: z.object({ disclosure: choice(["outcome", "summary", "full"] as const) }),
  contact: z
    .object({
      contactMethod: choice(["none", "email", "organisation"] as const),
      email: z.string().trim().max(MAX_EMAIL_LENGTH, "errors.tooLong").default(""),
      organisation: z.string().trim().max(MAX_ORGANISATION_LENGTH, "errors.tooLong").default(""),
    })
    .superRefine((value, ctx) => {
      if (value.contactMethod === "email" && !z.string().email().safeParse(value.email).success)
        ctx.addIssue({ code: "custom", path: ["email"], message: "errors.email" });
      if (value.contactMethod === "organisation" && value.organisation.length === 0)
        ctx.addIssue({ code: "custom", path: ["organisation"], message: "errors.organisation" });
    }),
};

/** The form fields each step reads. */
export const STEP_FIELDS: Record<keyof typeof stepSchemas, readonly string[]> = {
  who: ["relation"],
  where: ["country"],
  what: ["wants"],
  items: ["urls", "pdq", "sha256", "md5", "references"],
  detail: ["disclosure"],
  contact: ["contactMethod", "email", "organisation"],
};

export type StepValues = { [S in keyof typeof stepSchemas]: z.infer<(typeof stepSchemas)[S]> };
export type ItemsText = StepValues["items"];

/** What the person has answered so far; kept in an encrypted draft between steps. */
export type RequestDraft = Partial<StepValues>;

export type StepResult<S extends keyof StepValues> =
  | { ok: true; values: StepValues[S] }
  | { ok: false; errors: FieldError[]; values: Record<string, string> };

/** Validate one step's form fields (only the fields of that step are read: anything else is ignored). */
export function parseStep<S extends keyof StepValues>(step: S, form: Record<string, unknown>): StepResult<S> {
  const raw = Object.fromEntries(STEP_FIELDS[step].map((k) => [k, form[k]]));
  const strings = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, typeof v === "string" ? v : ""]));
  const parsed = stepSchemas[step].safeParse(Object.fromEntries(Object.entries(raw).filter(([, v]) => typeof v === "string")));
  if (!parsed.success) {
    return { ok: false, errors: parsed.error.issues.map((i) => ({ field: String(i.path[0] ?? ""), key: i.message })), values: strings };
  }
  if (step === "items") {
    const items = parseItems(parsed.data as ItemsText);
    if (!items.ok) return { ok: false, errors: items.errors, values: strings };
  }
  return { ok: true, values: parsed.data as StepValues[S] };
}

export interface ParsedItem {
  kind: "url" | "pdq" | "sha256" | "md5" | "reference";
  value: string;
  pdqQuality: number | null;
}

const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line.length > 0);

/** A web address as a person pastes it: a missing https:// is added; only http(s) with a real host is accepted. */
export function normaliseUrl(input: string): string | null {
  if (input.length > MAX_URL_LENGTH) return null;
  const candidate = /^[a-z][a-z0-9+.-]*:/i.test(input) ? input : `https://${input}`;
  try {
    const url = new URL(candidate);
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    if (!url.hostname.includes(".") && url.hostname !== "localhost") return null;
    if (/\s/.test(input)) return null;
    return url.toString();
  } catch {
    return null;
  }
}

/**
 * Items from the text fields, one per line. Each bad line is reported with
 * its line number; duplicates are kept once.
 */
export function parseItems(
  text: ItemsText,
  { existing = 0, requireOne = true }: { existing?: number; requireOne?: boolean } = {},
): { ok: true; items: ParsedItem[] } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const items: ParsedItem[] = [];
  const seen = new Set<string>();
  const add = (item: ParsedItem) => {
    const key = `${item.kind}:${item.value}`;
    if (!seen.has(key)) {
      seen.add(key);
      items.push(item);
    }
  };

  for (const { line, number } of lines(text.urls)) {
    const url = normaliseUrl(line);
    if (url) add({ kind: "url", value: url, pdqQuality: null });
    else errors.push({ field: "urls", key: line.length > MAX_URL_LENGTH ? "errors.urlTooLong" : "errors.url", params: { line: number } });
  }
  for (const { line, number } of lines(text.pdq)) {
    const match = line.match(/^([0-9a-f]{64})(?:[\s,;]+(\d{1,3}))?$/i);
    const quality = match?.[2] === undefined ? null : Number(match[2]);
    if (match && (quality === null || quality <= 100)) add({ kind: "pdq", value: match[1].toLowerCase(), pdqQuality: quality });
    else errors.push({ field: "pdq", key: "errors.pdq", params: { line: number } });
  }
  for (const [field, length] of [["sha256", 64], ["md5", 32]] as const) {
    for (const { line, number } of lines(text[field])) {
      const value = line.replace(/\s+/g, "").toLowerCase();
      if (new RegExp(`^[0-9a-f]{${length}}$`).test(value)) add({ kind: field, value, pdqQuality: null });
      else errors.push({ field, key: `errors.${field}`, params: { line: number } });
    }
  }
  for (const { line, number } of lines(text.references)) {
    if (line.length <= MAX_REFERENCE_LENGTH) add({ kind: "reference", value: line, pdqQuality: null });
    else errors.push({ field: "references", key: "errors.referenceTooLong", params: { line: number, max: MAX_REFERENCE_LENGTH } });
  }

  if (errors.length) return { ok: false, errors };
  if (requireOne && items.length === 0) return { ok: false, errors: [{ field: "urls", key: "errors.noItems" }] };
  if (existing + items.length > MAX_ITEMS)
    return { ok: false, errors: [{ field: "urls", key: "errors.tooManyItems", params: { max: MAX_ITEMS } }] };
  return { ok: true, items };
}

/** The first step that is not answered yet, given a draft; "review" when all are. */
export function firstIncompleteStep(draft: RequestDraft): RequestStep {
  for (const step of REQUEST_STEPS) {
    if (step === "review") return step;
    if (!draft[step]) return step;
  }
  return "review";
}

/** Everything a case needs, validated again as a whole before it is created. */
export type CompleteRequest = StepValues & { parsedItems: ParsedItem[] };

export function completeRequest(draft: RequestDraft): { ok: true; request: CompleteRequest } | { ok: false; step: RequestStep } {
  for (const step of REQUEST_STEPS) {
    if (step === "review") continue;
    const values = draft[step];
    if (!values) return { ok: false, step };
    const result = parseStep(step, values as Record<string, unknown>);
    if (!result.ok) return { ok: false, step };
  }
  const items = parseItems(draft.items!);
  if (!items.ok) return { ok: false, step: "items" };
  return { ok: true, request: { ...(draft as StepValues), parsedItems: items.items } };
}
