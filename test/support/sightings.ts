import { randomBytes, randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import type { Services } from "~/context";
import type { OrganisationKind, StaffRole } from "~/db/schema";
import type { StaffIdentity } from "~/staff/permissions";

/** Helpers for the sightings, matching and removal tests. */

export async function addOrganisation(services: Services, name: string, kind: OrganisationKind = "hotline", country: string | null = "NL"): Promise<string> {
  const id = randomUUID();
  await services.db
    .insertInto("organisation")
    .values({ id, kind, name, country, serves_countries: "[]", created_at: services.now().toISOString() })
    .execute();
  return id;
}

export async function addStaff(services: Services, organisationId: string, role: StaffRole, name = `${role}-${randomUUID().slice(0, 6)}`): Promise<StaffIdentity> {
  const id = randomUUID();
  const email = `${name}@staff.example`;
  await services.db
    .insertInto("staff_user")
    .values({
      id,
      organisation_id: organisationId,
      role,
      display_name: name,
      email_enc: services.vault.encrypt(email, "staff_user.email_enc"),
      email_bidx: services.vault.blindIndex(email, "staff_user.email"),
      password_hash: "$argon2id$unused",
      totp_key_enc: null,
      totp_enabled_at: null,
      recovery_codes: "[]",
      failed_attempts: 0,
      locked_until: null,
      setup_token_hash: null,
      setup_expires_at: null,
      invited_by: null,
      created_at: services.now().toISOString(),
      disabled_at: null,
    })
    .execute();
  return { id, organisationId, role, displayName: name };
}

/** A random PDQ hash (64 hex digits). */
export const randomPdq = () => randomBytes(32).toString("hex");

/** The hash with `bits` distinct bits flipped (deterministic: the lowest-numbered ones from `start`). */
export function flipBits(hash: string, bits: number, start = 0): string {
  const bytes = Buffer.from(hash, "hex");
  for (let i = 0; i < bits; i++) {
    const bit = (start + i * 7) % 256;
    bytes[bit >> 3] ^= 1 << (bit & 7);
  }
  return bytes.toString("hex");
}

export const randomHex = (bytes: number) => randomBytes(bytes).toString("hex");

export interface ReceivedMail {
  to: string[];
  raw: string;
  subject: string;
  text: string;
}

export interface TestSmtp {
  port: number;
  url: string;
  received: ReceivedMail[];
  close(): Promise<void>;
}

/** A real SMTP server on a free local port, keeping what it receives. */
export async function startSmtp(): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        received.push({ to: session.envelope.rcptTo.map((a) => a.address), raw, ...parseMail(raw) });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, url: `smtp://127.0.0.1:${port}`, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Just enough MIME for nodemailer's single-part text messages (quoted-printable or base64, encoded-word subjects). */
export function parseMail(raw: string): { subject: string; text: string } {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join("\n\n");
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  const subject = (headers.subject ?? "").replace(/=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi, (_, enc: string, text: string) =>
    enc.toLowerCase() === "b" ? Buffer.from(text, "base64").toString("utf8") : decodeQp(text.replace(/_/g, " ")),
  );
  const encoding = (headers["content-transfer-encoding"] ?? "").toLowerCase();
  const text = encoding === "base64" ? Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8") : encoding === "quoted-printable" ? decodeQp(body) : body;
  return { subject, text };
}

function decodeQp(text: string): string {
  const bytes = text.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_, hex: string) => `%${hex}`);
  try {
    return decodeURIComponent(bytes);
  } catch {
    return bytes;
  }
}
