import { Form, Link } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { groupDigits } from "~/cases/format";
import { useHydrated } from "~/components/ui/use-hydrated";

/**
 * The reference and the secret, shown once. Both are digits in groups: easy
 * to type on any keyboard and to write down. The secret cannot be recovered.
 */
export function Receipt({ reference, secret }: { reference: string; secret: string }) {
  const { t } = useTranslation("request");
  const hydrated = useHydrated();
  return (
    <article className="prose receipt">
      <h1>{t("receipt.title")}</h1>
      <p className="lead">{t("receipt.lead")}</p>
      <dl className="receipt__codes">
        <div>
          <dt>{t("receipt.reference")}</dt>
          <dd data-testid="case-reference" dir="ltr" translate="no">
            {groupDigits(reference)}
          </dd>
        </div>
        <div>
          <dt>{t("receipt.secret")}</dt>
          <dd data-testid="case-secret" dir="ltr" translate="no">
            {groupDigits(secret)}
          </dd>
        </div>
      </dl>
      <div className="warning" role="note">
        <p>
          <strong>{t("receipt.cannotRecover")}</strong>
        </p>
        <p>{t("receipt.keepSafe")}</p>
      </div>
      <div className="actions no-print">
        <Form method="post" action="/request/receipt" reloadDocument>
          <input type="hidden" name="reference" value={reference} />
          <input type="hidden" name="secret" value={secret} />
          <button type="submit" className="button button--secondary">
            {t("receipt.download")}
          </button>
        </Form>
        {hydrated ? (
          <button type="button" className="button button--secondary" onClick={() => window.print()}>
            {t("receipt.print")}
          </button>
        ) : (
          <p className="note">{t("receipt.printNoScript")}</p>
        )}
      </div>
      <h2>{t("receipt.nextTitle")}</h2>
      <p>{t("receipt.next")}</p>
      <p className="no-print">
        <Link className="button button--primary" to="/case/status">
          {t("receipt.toStatus")}
        </Link>
      </p>
    </article>
  );
}
