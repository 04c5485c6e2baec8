import { useCallback, useRef } from "react";
import { useTranslation } from "react-i18next";
import type { FieldError } from "~/cases/request";
import { TextField } from "~/components/ui/form";
import { FileHashing, type FileCodes } from "./file-hashing";

/**
 * The ways to identify an item without sending it: web addresses, codes
 * (hashes) made on this device from files the person holds, and references.
 * Used by the request form and by "add items" on the status page.
 */
export function ItemsFields({ values, errors }: { values: Record<string, string>; errors: FieldError[] }) {
  const { t } = useTranslation("request");
  const hashErrors = errors.some((e) => ["pdq", "sha256", "md5"].includes(e.field));
  const container = useRef<HTMLDivElement>(null);

  // The fields are uncontrolled (they must work without JavaScript), so codes are added to them directly.
  const addCodes = useCallback((codes: FileCodes) => {
    const root = container.current;
    if (!root) return;
    for (const field of ["pdq", "sha256", "md5"] as const) {
      const line = codes[field];
      const textarea = root.querySelector<HTMLTextAreaElement>(`textarea[name="${field}"]`);
      if (line && textarea) textarea.value = appendLine(textarea.value, line);
    }
    const details = root.querySelector<HTMLDetailsElement>(".item-codes");
    if (details) details.open = true;
  }, []);

  return (
    <div ref={container}>
      <TextField name="urls" multiline rows={5} label={t("items.urls")} hint={t("items.urlsHint")} value={values.urls} errors={errors} dir="ltr" />
      <FileHashing onCodes={addCodes} />
      <details className="disclosure item-codes" open={hashErrors || Boolean(values.pdq || values.sha256 || values.md5)}>
        <summary>{t("items.hashesTitle")}</summary>
        <p>{t("items.hashesIntro")}</p>
        <TextField name="pdq" multiline label={t("items.pdq")} hint={t("items.pdqHint")} value={values.pdq} errors={errors} dir="ltr" />
        <TextField name="sha256" multiline label={t("items.sha256")} hint={t("items.sha256Hint")} value={values.sha256} errors={errors} dir="ltr" />
        <TextField name="md5" multiline label={t("items.md5")} hint={t("items.md5Hint")} value={values.md5} errors={errors} dir="ltr" />
      </details>
      <TextField name="references" multiline rows={3} label={t("items.references")} hint={t("items.referencesHint")} value={values.references} errors={errors} />
    </div>
  );
}

/** Adds `line` on a line of its own, unless the same code (any case, any quality) is there already. */
export function appendLine(text: string, line: string): string {
  const code = (l: string) => l.trim().split(/[\s,;]+/)[0].toLowerCase();
  const lines = text.split(/\r?\n/).filter((l) => l.trim());
  if (lines.some((l) => code(l) === code(line))) return text;
  return [...lines, line].join("\n");
}
