import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Fragment } from "react";
import { useTranslation } from "react-i18next";
import { recordAudit } from "~/audit/audit.server";
import { StaffShell } from "~/components/staff-shell";
import { i18nServer } from "~/i18n/i18next.server";
import { recordOfProcessingBlocks, type RecordBlock } from "~/privacy/record.server";
import { retentionPolicy } from "~/privacy/retention.server";
import { requireStaff } from "~/staff/auth.server";

export const handle = { i18n: ["common", "staff", "privacy"] };

const PERMISSION = "read:privacy-record";

/** The record of processing activities (GDPR Art. 30), generated from the column annotations, for administrators. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, headers } = await requireStaff(context, request, { permission: PERMISSION });
  const t = await i18nServer.getFixedT(request, ["privacy", "common"]);
  await recordAudit(context, { actorKind: "staff", actorId: user.id, organisationId: user.organisationId, action: "privacy.record.view" });
  return json({ title: `${t("privacy:admin.title")} – ${t("common:site.name")}`, user, blocks: recordOfProcessingBlocks({ policy: retentionPolicy(context.env) }) }, { headers });
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title }];

export default function PrivacyRecord() {
  const { user, blocks } = useLoaderData<typeof loader>();
  const { t } = useTranslation("privacy");
  return (
    <StaffShell user={user}>
      <div className="prose">
        <h1>{t("admin.title")}</h1>
        <p>{t("admin.lead")}</p>
        <p>
          <a className="button button--secondary" href="/staff/admin/privacy.md" download>
            {t("admin.download")}
          </a>
        </p>
        <p className="note">{t("admin.english")}</p>
      </div>
      {/* The record is generated from the annotations in code, which are written in English. */}
      <div lang="en" dir="ltr" className="privacy-record">
        {blocks.slice(1).map((block, index) => (
          <Block key={index} block={block} />
        ))}
      </div>
    </StaffShell>
  );
}

/** `code` and **bold** spans of the generated text, as elements. */
function Inline({ text }: { text: string }) {
  const parts = text.split(/(`[^`]+`|\*\*[^*]+\*\*)/g).filter(Boolean);
  return (
    <>
      {parts.map((part, index) =>
        part.startsWith("`") ? (
          <code key={index}>{part.slice(1, -1)}</code>
        ) : part.startsWith("**") ? (
          <strong key={index}>{part.slice(2, -2)}</strong>
        ) : (
          <Fragment key={index}>{part}</Fragment>
        ),
      )}
    </>
  );
}

function Block({ block }: { block: RecordBlock }) {
  switch (block.kind) {
    case "h1":
    case "h2":
      return (
        <h2>
          <Inline text={block.text} />
        </h2>
      );
    case "h3":
      return (
        <h3 id={`table-${block.text}`}>
          <Inline text={block.text} />
        </h3>
      );
    case "p":
      return (
        <p>
          <Inline text={block.text} />
        </p>
      );
    case "ul":
      return (
        <ul>
          {block.items.map((item, index) => (
            <li key={index}>
              <Inline text={item} />
            </li>
          ))}
        </ul>
      );
    case "table":
      return (
        <div className="table-wrap">
          <table className="data-table">
            <thead>
              <tr>
                {block.head.map((cell) => (
                  <th key={cell} scope="col">
                    {cell}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {block.rows.map((row, index) => (
                <tr key={index}>
                  {row.map((cell, column) =>
                    column === 0 ? (
                      <th key={column} scope="row">
                        <Inline text={cell} />
                      </th>
                    ) : (
                      <td key={column}>{cell}</td>
                    ),
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
  }
}
