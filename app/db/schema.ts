import type { Generated, Insertable, Selectable, Updateable } from "kysely";

/**
 * The database, as the app sees it. Written by hand, one interface per table.
 * Portable column types (see docs/decisions/002-portable-column-types.md):
 * timestamps are ISO-8601 UTC strings, booleans 0/1 integers, JSON as text.
 */
export interface Database {
  organisation: OrganisationTable;
  subject: SubjectTable;
  case: CaseTable;
  item: ItemTable;
  case_event: CaseEventTable;
  message: MessageTable;
  provider: ProviderTable;
  sighting: SightingTable;
  match: MatchTable;
  request_draft: RequestDraftTable;
  case_session: CaseSessionTable;
  rate_limit: RateLimitTable;
  outbox: OutboxTable;
  staff_user: StaffUserTable;
  staff_session: StaffSessionTable;
  mandate: MandateTable;
  case_note: CaseNoteTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  case_statistics: CaseStatisticsTable;
  sighting_sequence: SightingSequenceTable;
  api_key: ApiKeyTable;
  notice: NoticeTable;
  notice_sighting: NoticeSightingTable;
}

/** 0 or 1: booleans are integers on both databases. */
export type Flag = 0 | 1;

/** ISO-8601 UTC timestamp, e.g. 2026-11-22T10:00:00.000Z. */
export type Timestamp = string;

export const ORGANISATION_KINDS = [
  "eu_centre",
  "coordinating_authority",
  "hotline",
  "support_organisation",
  "partner",
] as const;
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];

export interface OrganisationTable {
  id: string;
  kind: OrganisationKind;
  name: string;
  /** ISO 3166-1 alpha-2: the member state of a coordinating authority, the seat of others. */
  country: string | null;
  /** JSON array of ISO 3166-1 alpha-2 codes a partner organisation serves. */
  serves_countries: string;
  created_at: Timestamp;
}
export type Organisation = Selectable<OrganisationTable>;
export type NewOrganisation = Insertable<OrganisationTable>;
export type OrganisationUpdate = Updateable<OrganisationTable>;

/** The EU Centre handles every request no other organisation is configured for. */
export const EU_CENTRE_ID = "00000000-0000-4000-8000-000000000001";

/** A person, pseudonymous: every identifying or contact field is encrypted (see app/privacy/vault.server.ts). */
export interface SubjectTable {
  id: string;
  email_enc: string | null;
  /** Keyed blind index (HMAC) of the normalised e-mail, for look-ups without plaintext. */
  email_bidx: string | null;
  contact_organisation_enc: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}
export type Subject = Selectable<SubjectTable>;

export const ROUTES = ["eu", "voluntary"] as const;
export type Route = (typeof ROUTES)[number];
export const RELATIONS = ["self", "parent", "guardian", "legal_representative", "support_organisation"] as const;
export type Relation = (typeof RELATIONS)[number];
export const DISCLOSURES = ["outcome", "summary", "full"] as const;
export type Disclosure = (typeof DISCLOSURES)[number];
export const CONTACT_METHODS = ["none", "email", "organisation"] as const;
export type ContactMethod = (typeof CONTACT_METHODS)[number];
export const CASE_STATUSES = [
  "received",
  "identity_check",
  "in_progress",
  "answered",
  "completed",
  "withdrawn",
  "rejected",
  "paused",
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export interface CaseTable {
  id: string;
  /** Public reference: 12 digits, given to the requester. */
  reference: string;
  /** argon2id of the requester's secret; the secret itself is never stored. */
  secret_hash: string;
  /** SHA-256 of the request form's one-time token: makes a double submit return the same case. */
  submission_hash: string | null;
  subject_id: string;
  route: Route;
  /** ISO 3166-1 alpha-2 country of residence of the person depicted. */
  country: string;
  /** The requester's language at filing: notices and e-mails use it. */
  language: string;
  relation: Relation;
  wants_information: Flag;
  wants_removal: Flag;
  disclosure: Disclosure;
  contact_method: ContactMethod;
  handling_organisation_id: string;
  status: CaseStatus;
  /** Set by a caseworker once the requester's identity or mandate is verified; nothing is disclosed before. */
  identity_verified_at: Timestamp | null;
  received_at: Timestamp;
  due_at: Timestamp;
  extended_due_at: Timestamp | null;
  closed_at: Timestamp | null;
  updated_at: Timestamp;
  /** The support organisation that filed on the victim's behalf, if any. */
  filed_by_organisation_id: string | null;
  /** The caseworker working on it. */
  assigned_to: string | null;
  identity_verification_method: IdentityVerificationMethod | null;
  identity_verified_by: string | null;
  /** Why the due date was extended: the requester sees it. */
  extension_reason_enc: string | null;
  /** Why the request was not taken up: the requester sees it. */
  rejection_reason_enc: string | null;
  /** 1 while a legal hold suspends retention and erasure of the case (see app/privacy/retention.server.ts). */
  legal_hold: Generated<Flag>;
  /** Why the hold was set (staff free text, encrypted). */
  legal_hold_reason_enc: string | null;
  legal_hold_at: Timestamp | null;
  /** The staff user who set or lifted the hold. */
  legal_hold_by: string | null;
  /** When the case is reduced to anonymous statistics; set when it closes. */
  retention_until: Timestamp | null;
  /** The requester asked for erasure while a legal hold applied: erased as soon as the hold ends. */
  erasure_requested_at: Timestamp | null;
}
export type Case = Selectable<CaseTable>;

export const IDENTITY_VERIFICATION_METHODS = ["support_organisation", "in_person", "video_call", "documents_outside_portal"] as const;
export type IdentityVerificationMethod = (typeof IDENTITY_VERIFICATION_METHODS)[number];
export type NewCase = Insertable<CaseTable>;

export const ITEM_KINDS = ["url", "pdq", "sha256", "md5", "reference"] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];
export interface ItemTable {
  id: string;
  case_id: string;
  kind: ItemKind;
  value: string;
  pdq_quality: number | null;
  added_by: "requester" | "staff";
  added_at: Timestamp;
  /** When the item was matched against all sightings; null until then (a sweep catches up). */
  matched_at: Timestamp | null;
}
export type Item = Selectable<ItemTable>;

export interface CaseEventTable {
  id: string;
  case_id: string;
  at: Timestamp;
  /** Translation key under timeline.* : the event renders in the reader's language. */
  template: string;
  /** JSON object of the template's parameters. */
  params: string;
  visible_to_requester: Flag;
  actor: "requester" | "staff" | "system";
  /** Optional free text from a caseworker, encrypted; shown as written, marked with its language. */
  note_enc: string | null;
  note_language: string | null;
}
export type CaseEvent = Selectable<CaseEventTable>;

export interface MessageTable {
  id: string;
  case_id: string;
  direction: "from_requester" | "to_requester";
  body_enc: string;
  language: string;
  sent_at: Timestamp;
  read_at: Timestamp | null;
}
export type Message = Selectable<MessageTable>;

export interface ProviderTable {
  id: string;
  name: string;
  country: string;
  removal_contact: string | null;
  /** JSON array of language codes the provider accepts notices in. */
  languages: string;
  created_at: Timestamp;
  updated_at: Timestamp | null;
}
export type Provider = Selectable<ProviderTable>;

export const REMOVAL_STATES = ["online", "removed", "unknown"] as const;
export type RemovalState = (typeof REMOVAL_STATES)[number];
export interface SightingTable {
  id: string;
  source_organisation_id: string;
  source_ref: string;
  provider_id: string | null;
  /** Location of abuse material: shown to caseworkers as inert text only, never to a requester. */
  url: string | null;
  pdq: string | null;
  pdq_quality: number | null;
  sha256: string | null;
  md5: string | null;
  reported_at: Timestamp;
  /** JSON array of the authorities the report was forwarded to. */
  forwarded_to: string;
  forwarded_at: Timestamp | null;
  removal_state: RemovalState;
  removed_at: Timestamp | null;
  /** Law enforcement asked to hold information back until then. */
  withheld_until: Timestamp | null;
  created_at: Timestamp;
  /** Monotonic, assigned from `sighting_sequence` in the inserting transaction: the PDQ index's id (see app/sightings/sequence.server.ts). */
  seq: number;
  /** SHA-256 of the normalised URL, for exact look-ups by address. */
  url_hash: string | null;
  updated_at: Timestamp | null;
  /** When the sighting was matched against the items of open cases; null until then. */
  matched_at: Timestamp | null;
}
export type Sighting = Selectable<SightingTable>;

export type MatchState = "candidate" | "confirmed" | "rejected";
export interface MatchTable {
  id: string;
  case_id: string;
  item_id: string;
  sighting_id: string;
  distance: number;
  state: MatchState;
  decided_by: string | null;
  decided_at: Timestamp | null;
  created_at: Timestamp;
  /** 1 when a new sighting matched an item that already had a confirmed instance: a re-upload alert. */
  reupload: Generated<Flag>;
}
export type Match = Selectable<MatchTable>;

export interface RequestDraftTable {
  /** SHA-256 of the token in the requester's draft cookie. */
  id: string;
  data_enc: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface CaseSessionTable {
  /** SHA-256 of the session token: a database leak yields no usable session. */
  id: string;
  case_id: string;
  expires_at: Timestamp;
}

export interface RateLimitTable {
  /** Purpose and an HMAC of the client address or reference: no plaintext. */
  key: string;
  failures: number;
  window_started_at: Timestamp;
  next_attempt_at: Timestamp;
  expires_at: Timestamp;
}

export type OutboxStatus = "pending" | "sent" | "failed";
export interface OutboxTable {
  id: string;
  recipient_enc: string;
  /** Translation key of the (neutral) message under mail.* */
  template: string;
  language: string;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: Timestamp;
  last_error: string | null;
  created_at: Timestamp;
  sent_at: Timestamp | null;
  /** A removal notice's own subject and text (rendered when queued, encrypted); null for the neutral templates. */
  subject_enc: string | null;
  body_enc: string | null;
  /** The case the mail is about, if any: erasing the case cancels it while still queued. */
  case_id: string | null;
}

export const STAFF_ROLES = ["support_worker", "caseworker", "supervisor", "administrator"] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export interface StaffUserTable {
  id: string;
  organisation_id: string;
  role: StaffRole;
  display_name: string;
  email_enc: string;
  /** Keyed blind index of the lower-cased e-mail: sign-in looks staff up without plaintext. */
  email_bidx: string;
  /** argon2id; null until the account is set up through its one-time link. */
  password_hash: string | null;
  /** TOTP key (RFC 6238), encrypted; null until enrolled. */
  totp_key_enc: string | null;
  totp_enabled_at: Timestamp | null;
  /** JSON array of SHA-256 hashes of unused one-time recovery codes. */
  recovery_codes: string;
  failed_attempts: number;
  locked_until: Timestamp | null;
  /** SHA-256 of the one-time set-up (or invitation) link's token. */
  setup_token_hash: string | null;
  setup_expires_at: Timestamp | null;
  invited_by: string | null;
  created_at: Timestamp;
  disabled_at: Timestamp | null;
}
export type StaffUser = Selectable<StaffUserTable>;

export interface StaffSessionTable {
  /** SHA-256 of the session token. */
  id: string;
  user_id: string;
  expires_at: Timestamp;
  /** 1 once the second factor was given in this session. */
  two_factor_verified: Flag;
}

export const MANDATE_RELATIONS = ["parent_guardian", "legal_representative", "authorised_organisation"] as const;
export type MandateRelation = (typeof MANDATE_RELATIONS)[number];
export const MANDATE_SCOPES = ["information", "removal", "both"] as const;
export type MandateScope = (typeof MANDATE_SCOPES)[number];

/** Who acts for the victim, on what basis, recorded by whom (the evidence itself stays with the organisation). */
export interface MandateTable {
  id: string;
  case_id: string;
  organisation_id: string;
  relation: MandateRelation;
  basis_enc: string;
  evidence_reference_enc: string;
  /** The date of the mandate (YYYY-MM-DD). */
  mandate_date: string;
  scope: MandateScope;
  /** Who keeps the reference and secret: the victim or the organisation. */
  receipt_holder: "victim" | "organisation";
  recorded_by: string;
  recorded_at: Timestamp;
}
export type Mandate = Selectable<MandateTable>;

/** Caseworkers' internal notes: never shown to the requester. */
export interface CaseNoteTable {
  id: string;
  case_id: string;
  author_id: string;
  body_enc: string;
  created_at: Timestamp;
}

/**
 * The tamper-evident audit trail: append-only, each row hash-chained to the
 * previous one (see app/audit/audit.server.ts and docs/decisions).
 */
export type AuditActorKind = "staff" | "requester" | "system" | "api";
export interface AuditLogTable {
  /** Gap-free sequence assigned inside the serialised append. */
  seq: number;
  at: Timestamp;
  actor_kind: AuditActorKind;
  /** A staff user's id, an API key's id; null for the requester and the system. */
  actor_id: string | null;
  organisation_id: string | null;
  /** What was done, e.g. "case.view", "case.status.change", "case.export". */
  action: string;
  case_id: string | null;
  /** Why, in the actor's words: encrypted. */
  reason_enc: string | null;
  /** JSON object of ids, counts and flags; never personal data. */
  details: string;
  prev_hash: string;
  /** SHA-256 over the row's canonical encoding and prev_hash. */
  hash: string;
}
export type AuditLogRow = Selectable<AuditLogTable>;

/** One row (id 1): the chain's end and where retention pruned it. */
export interface AuditHeadTable {
  id: number;
  last_seq: number;
  last_hash: string;
  pruned_seq: number;
  pruned_hash: string;
}

/** What an erased or expired case leaves: anonymous counts, no link to the case or the person. */
export interface CaseStatisticsTable {
  id: string;
  /** YYYY-MM */
  received_month: string;
  closed_month: string | null;
  reduced_month: string;
  reduced_because: "erasure" | "retention";
  route: Route;
  country: string;
  relation: Relation;
  handling_organisation_id: string;
  final_status: CaseStatus;
  days_open: number | null;
  items: number;
  instances_found: number;
  instances_removed: number;
}

/** One row (id 1): the last sighting sequence number handed out. */
export interface SightingSequenceTable {
  id: number;
  last_seq: number;
}

export const API_SCOPES = ["sightings:write", "removals:write"] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** A reporting organisation's key for the sightings API; only a hash of the secret is kept. */
export interface ApiKeyTable {
  id: string;
  organisation_id: string;
  label: string;
  /** The key's first characters, to recognise it in lists; not enough to use it. */
  prefix: string;
  /** SHA-256 (hex) of the whole key. */
  secret_hash: string;
  /** JSON array of ApiScope. */
  scopes: string;
  /** The staff user who created it; null from the command line. */
  created_by: string | null;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  revoked_by: string | null;
}
export type ApiKey = Selectable<ApiKeyTable>;

export const NOTICE_STATES = ["open", "removed", "refused", "closed"] as const;
export type NoticeState = (typeof NOTICE_STATES)[number];

/** A removal notice (DSA Art. 16) to one provider, for one or more confirmed instances of one case. */
export interface NoticeTable {
  id: string;
  case_id: string;
  provider_id: string;
  /** The language the notice is written in (one the provider accepts, where we have it). */
  language: string;
  /** Whether the notice names the sending organisation (optional for this material). */
  sender_named: Flag;
  state: NoticeState;
  /** First sent: time to removal counts from here. */
  sent_at: Timestamp;
  last_sent_at: Timestamp;
  send_count: number;
  /** When it is re-sent next; null once no longer open. */
  next_send_at: Timestamp | null;
  /** After this, without removal, the case is flagged for referral for a removal order. */
  referral_due_at: Timestamp;
  referral_flagged_at: Timestamp | null;
  /** When the caseworker recorded the referral to the authority of the provider's country. */
  referred_at: Timestamp | null;
  referred_by: string | null;
  referral_note_enc: string | null;
  closed_at: Timestamp | null;
  created_by: string;
}
export type Notice = Selectable<NoticeTable>;

/** The instances a notice names, and when each was removed. */
export interface NoticeSightingTable {
  notice_id: string;
  sighting_id: string;
  removed_at: Timestamp | null;
  /** Time to removal: from the notice's first sending to removal (0 when it was gone before). */
  removal_seconds: number | null;
  /** "api" (the source reported it) or the staff user who recorded it. */
  removal_recorded_by: string | null;
}
