import { verifyAuditChain } from "~/audit/audit.server";
import type { Services } from "~/context";
import { migrateToLatest } from "~/db/migrate.server";
import { loadEnv } from "~/env.server";
import { keyRotationStatus, newDataKey, installGeneratedKey, rotateKeys } from "~/privacy/keys.server";
import { recordOfProcessing } from "~/privacy/record.server";
import { retentionPolicy, runRetention } from "~/privacy/retention.server";
import { createServices } from "~/services.server";
import type { Command, CommandIo } from "./commands.server";

/** The privacy commands of `npx reclaim`: each opens the database of DATABASE_URL and closes it again. */
async function withServices<T>(run: (services: Services) => Promise<T>, { migrate = true } = {}): Promise<T> {
  const services = createServices(loadEnv(process.env, () => {}));
  try {
    if (migrate) await migrateToLatest(services.db);
    return await run(services);
  } finally {
    await services.db.destroy();
  }
}

export function auditVerify({ out, err }: CommandIo): Promise<number> {
  return withServices(async (services) => {
    const result = await verifyAuditChain(services);
    if (!result.ok) {
      err(`Audit chain broken at row ${result.seq}: ${result.problem}. (${result.rows} rows before it are intact.)`);
      return 1;
    }
    out(
      result.rows === 0
        ? `Audit chain intact: no rows (head ${result.lastSeq}, hash ${result.headHash}).`
        : `Audit chain intact: ${result.rows} rows, ${result.firstSeq} to ${result.lastSeq}; head hash ${result.headHash}.`,
    );
    return 0;
  });
}

export function keysRotate({ values, out, err }: CommandIo): Promise<number> {
  return withServices(async (services) => {
    const batchSize = values["batch-size"] ? Number(values["batch-size"]) : undefined;
    if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize > 0)) {
      err("--batch-size must be a positive whole number.");
      return 2;
    }
    out(`Re-encrypting every encrypted column to key ${services.vault.currentKeyId}.`);
    const result = await rotateKeys(services, { batchSize, onProgress: (line) => out(line) });
    for (const failure of result.failures) err(`Cannot decrypt ${failure.table}.${failure.column} of row ${failure.id} with the configured keys.`);
    const left = await keyRotationStatus(services);
    const remaining = left.reduce((sum, c) => sum + c.remaining, 0);
    out(`Re-encrypted ${result.reencrypted} values.`);
    if (remaining === 0) {
      out(`Every value is now under key ${services.vault.currentKeyId}: the older keys may be removed from RECLAIM_DATA_KEYS.`);
      return 0;
    }
    err(`${remaining} values are still under older keys; keep the older keys and run keys:rotate again.`);
    return 1;
  });
}

export function keysNew({ values, out, err }: CommandIo): Promise<number> {
  const entry = newDataKey();
  if (!values.install) {
    out(entry);
    out("Put it first in RECLAIM_DATA_KEYS (keep the older keys after it), restart the servers, then run: npx reclaim keys:rotate");
    return Promise.resolve(0);
  }
  const env = loadEnv(process.env, () => {});
  if (process.env.RECLAIM_DATA_KEYS) {
    err("RECLAIM_DATA_KEYS comes from the environment: put the new key first there yourself (without --install it is printed).");
    return Promise.resolve(2);
  }
  const file = installGeneratedKey(env.dataDir, entry);
  out(`Added a new current key to ${file}. Restart the servers, then run: npx reclaim keys:rotate`);
  return Promise.resolve(0);
}

export function privacyRecord({ out }: CommandIo): Promise<number> {
  const env = loadEnv(process.env, () => {});
  out(recordOfProcessing({ policy: retentionPolicy(env) }));
  return Promise.resolve(0);
}

export function retentionRun({ values, out }: CommandIo): Promise<number> {
  return withServices(async (services) => {
    const maxBatches = values["max-batches"] ? Number(values["max-batches"]) : undefined;
    await runRetention(services, { maxBatches, log: out });
    return 0;
  });
}

/** Merged into `commands` in commands.server.ts. */
export const privacyCommands: Record<string, Command> = {
  "audit:verify": {
    summary: "Check the audit log's hash chain; exits non-zero naming the first broken row.",
    usage: "Usage: npx reclaim audit:verify",
    run: auditVerify,
  },
  "keys:new": {
    summary: "Print a new data key (with --install: add it to the generated secrets in RECLAIM_DATA_DIR).",
    usage: "Usage: npx reclaim keys:new [--install]",
    options: { install: { type: "boolean" } },
    run: keysNew,
  },
  "keys:rotate": {
    summary: "Re-encrypt every encrypted column to the current data key, in batches; safe to interrupt and run again.",
    usage: "Usage: npx reclaim keys:rotate [--batch-size N]",
    options: { "batch-size": { type: "string" } },
    run: keysRotate,
  },
  "privacy:record": {
    summary: "Print the record of processing activities (GDPR Art. 30) as Markdown, from the column annotations.",
    usage: "Usage: npx reclaim privacy:record",
    run: privacyRecord,
  },
  "retention:run": {
    summary: "Apply the retention rules now, in bounded batches; safe to run twice or to interrupt.",
    usage: "Usage: npx reclaim retention:run [--max-batches N]",
    options: { "max-batches": { type: "string" } },
    run: retentionRun,
  },
};
