import type { ActionFunctionArgs } from "@remix-run/node";
import { digitsOnly, groupDigits, REFERENCE_LENGTH, SECRET_LENGTH } from "~/cases/format";
import { i18nServer } from "~/i18n/i18next.server";
import { readForm } from "~/http/form.server";

/**
 * The receipt as a small text file. The secret passes through once more on
 * its way back to the person's own device; it is neither stored nor logged.
 */
export async function action({ request }: ActionFunctionArgs) {
  const form = await readForm(request);
  const reference = digitsOnly(form.reference ?? "");
  const secret = digitsOnly(form.secret ?? "");
  if (!new RegExp(`^\\d{${REFERENCE_LENGTH}}$`).test(reference) || !new RegExp(`^\\d{${SECRET_LENGTH}}$`).test(secret)) {
    throw new Response(null, { status: 400 });
  }
  const t = await i18nServer.getFixedT(request, "request");
  const text = [
    t("receiptFile.title"),
    "",
    `${t("receipt.reference")}: ${groupDigits(reference)}`,
    `${t("receipt.secret")}: ${groupDigits(secret)}`,
    "",
    t("receiptFile.howToUse"),
    t("receipt.cannotRecover"),
    "",
  ].join("\r\n");
  return new Response(text, {
    headers: {
      "Content-Type": "text/plain; charset=utf-8",
      // A neutral file name: it may sit in a shared Downloads folder.
      "Content-Disposition": 'attachment; filename="receipt.txt"',
      "Cache-Control": "no-store",
    },
  });
}

export const loader = () => {
  throw new Response(null, { status: 405 });
};
