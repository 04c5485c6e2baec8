import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";

/**
 * Field-level encryption for who-someone-is (GDPR Art. 32): AES-256-GCM with
 * a fresh 96-bit IV per value, the key id stored with each value so keys can
 * rotate, and the column's name bound in as associated data so a value cannot
 * be moved to another column unnoticed.
 *
 * Stored form: `v1.<keyId>.<iv>.<ciphertext+tag>` (base64url parts).
 */
export interface VaultKeys {
  /** The key new values are encrypted with. */
  currentKeyId: string;
  keys: Map<string, Buffer>;
  /** Key of the blind index (HMAC-SHA-256). */
  indexKey: Buffer;
}

export class VaultError extends Error {}

export function createVault({ currentKeyId, keys, indexKey }: VaultKeys) {
  if (!keys.has(currentKeyId)) throw new VaultError(`no key with id ${currentKeyId}`);
  for (const [id, key] of keys) if (key.length !== 32) throw new VaultError(`key ${id} must be 32 bytes`);

  return {
    currentKeyId,

    encrypt(plaintext: string, context: string): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", keys.get(currentKeyId)!, iv);
      cipher.setAAD(Buffer.from(context));
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
      return ["v1", currentKeyId, iv.toString("base64url"), body.toString("base64url")].join(".");
    },

    decrypt(stored: string, context: string): string {
      const [version, keyId, iv, body] = stored.split(".");
      const key = keys.get(keyId);
      if (version !== "v1" || !key || !iv || !body) throw new VaultError("value cannot be decrypted with the configured keys");
      const bytes = Buffer.from(body, "base64url");
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString("utf8");
    },

    /** The key id a stored value was encrypted with (for rotation). */
    keyIdOf(stored: string): string {
      return stored.split(".")[1] ?? "";
    },

    /** Keyed blind index: equal inputs give equal outputs, and nothing can be read back. */
    blindIndex(value: string, context: string): string {
      return createHmac("sha256", indexKey).update(context).update("\0").update(value).digest("base64url");
    },
  };
}

export type Vault = ReturnType<typeof createVault>;

/** `k1:BASE64,k2:BASE64`: the first key encrypts, all of them decrypt. */
export function parseDataKeys(value: string): { currentKeyId: string; keys: Map<string, Buffer> } {
  const keys = new Map<string, Buffer>();
  const entries = value.split(",").map((s) => s.trim()).filter(Boolean);
  for (const entry of entries) {
    const [id, material] = entry.split(":");
    if (!id || !material || !/^[A-Za-z0-9_-]+$/.test(id)) throw new VaultError("each key must be written as id:base64");
    const key = Buffer.from(material, "base64");
    if (key.length !== 32) throw new VaultError(`key ${id} must be 32 bytes (44 base64 characters)`);
    keys.set(id, key);
  }
  if (entries.length === 0) throw new VaultError("at least one key is needed");
  return { currentKeyId: entries[0].split(":")[0], keys };
}
