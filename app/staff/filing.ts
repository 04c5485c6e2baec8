import { z } from "zod";
import { isCountryCode } from "~/cases/countries";
import { parseItems, STEP_FIELDS, type FieldError, type ParsedItem } from "~/cases/request";
import { MANDATE_RELATIONS } from "~/db/schema";

/**
 * A support worker files for a victim on one page: the same questions as the
 * public form, plus the mandate the organisation holds. The evidence itself
 * stays with the organisation; only a reference to it is recorded.
 */
export const FILING_FIELDS = [
  "mandateRelation",
  "basis",
  "evidenceReference",
  "mandateDate",
  "wants",
  "country",
  ...STEP_FIELDS.items,
  "disclosure",
  "contactMethod",
  "email",
  "receiptHolder",
  "submissionToken",
] as const;

const choice = <T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { errorMap: () => ({ message: "errors.choose" }) });

const schema = z
  .object({
    mandateRelation: choice(MANDATE_RELATIONS),
    basis: z.string().trim().min(1, "casework:filing.errors.basis").max(500, "errors.tooLong"),
    evidenceReference: z.string().trim().min(1, "casework:filing.errors.evidence").max(200, "errors.tooLong"),
    mandateDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "casework:filing.errors.date"),
    wants: choice(["information", "removal", "both"] as const),
    country: z.string().refine(isCountryCode, "errors.country"),
    urls: z.string().max(500_000, "errors.tooLong").default(""),
    pdq: z.string().max(500_000, "errors.tooLong").default(""),
    sha256: z.string().max(500_000, "errors.tooLong").default(""),
    md5: z.string().max(500_000, "errors.tooLong").default(""),
    references: z.string().max(500_000, "errors.tooLong").default(""),
    disclosure: choice(["outcome", "summary", "full"] as const),
    contactMethod: choice(["none", "email", "organisation"] as const),
    email: z.string().trim().max(254, "errors.tooLong").default(""),
    receiptHolder: choice(["victim", "organisation"] as const),
    submissionToken: z.string().min(16).max(100),
  })
  .superRefine((value, ctx) => {
    if (value.contactMethod === "email" && !z.string().email().safeParse(value.email).success)
      ctx.addIssue({ code: "custom", path: ["email"], message: "errors.email" });
  });

export type Filing = z.infer<typeof schema> & { parsedItems: ParsedItem[] };

export function parseFiling(form: Record<string, string>, today: string):
  | { ok: true; filing: Filing }
  | { ok: false; errors: FieldError[]; values: Record<string, string> } {
  const values = Object.fromEntries(FILING_FIELDS.map((k) => [k, typeof form[k] === "string" ? form[k] : ""]));
  const parsed = schema.safeParse(values);
  const errors: FieldError[] = parsed.success ? [] : parsed.error.issues.map((i) => ({ field: String(i.path[0] ?? ""), key: i.message }));
  if (parsed.success && parsed.data.mandateDate > today) errors.push({ field: "mandateDate", key: "casework:filing.errors.dateFuture" });
  const items = parseItems({ urls: values.urls, pdq: values.pdq, sha256: values.sha256, md5: values.md5, references: values.references });
  if (!items.ok) errors.push(...items.errors);
  if (errors.length || !parsed.success || !items.ok) return { ok: false, errors, values };
  return { ok: true, filing: { ...parsed.data, parsedItems: items.items } };
}
