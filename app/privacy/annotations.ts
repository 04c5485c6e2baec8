/**
 * Every table and column says why it exists, what kind of data it holds, on
 * what lawful basis, and how long it is kept. The record of processing
 * (GDPR Art. 30) is generated from this, and a test fails when a column of the
 * migrated schema has no entry here.
 */
export type DataCategory =
  | "identity" // who someone is
  | "contact" // how to reach someone
  | "special" // GDPR Art. 9/10: sex life, crimes; everything about a case
  | "case" // case content that is not itself about a person
  | "operational" // configuration and bookkeeping with no personal data
  | "security"; // sessions, credentials, rate limits, audit

export type LawfulBasis =
  | "public-task" // GDPR Art. 6(1)(e), with Art. 9(2)(g) substantial public interest for special categories
  | "legal-obligation" // GDPR Art. 6(1)(c)
  | "consent" // GDPR Art. 6(1)(a) / 9(2)(a): the person's own choice, withdrawable
  | "legitimate-interest" // GDPR Art. 6(1)(f): security of the service
  | "none"; // no personal data

export interface ColumnAnnotation {
  purpose: string;
  category: DataCategory;
  basis: LawfulBasis;
  retention: string;
  encrypted?: boolean;
}

export interface TableAnnotation {
  purpose: string;
  /** The primary key when it is not `id` (key rotation walks tables by it). */
  primaryKey?: string;
  columns: Record<string, ColumnAnnotation>;
}

const config = (purpose: string): ColumnAnnotation => ({
  purpose,
  category: "operational",
  basis: "none",
  retention: "while the organisation is registered",
});

const CASE_RETENTION = "the case's retention period; erased or anonymised on the requester's erasure request";
const caseColumn = (purpose: string, category: DataCategory = "special", extra: Partial<ColumnAnnotation> = {}): ColumnAnnotation => ({
  purpose,
  category,
  basis: "public-task",
  retention: CASE_RETENTION,
  ...extra,
});
const identity = (purpose: string, category: DataCategory): ColumnAnnotation => ({
  purpose,
  category,
  basis: "consent",
  retention: "until the requester removes it, erases the case, or the case's retention period ends",
  encrypted: true,
});
const security = (purpose: string, retention: string): ColumnAnnotation => ({ purpose, category: "security", basis: "legitimate-interest", retention });
const staff = (purpose: string): ColumnAnnotation => ({
  purpose,
  category: "identity",
  basis: "legitimate-interest",
  retention: "while the account exists, then 2 years for accountability",
});
const staffSecurity = (purpose: string): ColumnAnnotation => ({ ...staff(purpose), category: "security" });
const sightingColumn = (purpose: string, category: DataCategory = "special"): ColumnAnnotation => ({
  purpose,
  category,
  basis: "public-task",
  retention: "while the material may still circulate; reviewed yearly",
});

export const annotations: Record<string, TableAnnotation> = {
  organisation: {
    purpose: "Organisations that handle requests, file them for victims, or report sightings.",
    columns: {
      id: config("Identifies the organisation."),
      kind: config("Decides what the organisation may do and which requests it handles."),
      name: config("Shown to requesters so they know who handles their request."),
      country: config("Routes requests from residents of a member state to its coordinating authority."),
      serves_countries: config("Routes voluntary-route requests to a partner serving the requester's country."),
      created_at: config("Bookkeeping."),
    },
  },
  subject: {
    purpose: "Who a requester is and how to reach them, apart from case data and encrypted per field.",
    columns: {
      id: { ...identity("Pseudonymous link from a case to its requester.", "identity"), encrypted: false },
      email_enc: identity("Neutral update notices, only if the requester chose e-mail.", "contact"),
      // A keyed hash (HMAC), not encryption: nothing can be read back from it.
      email_bidx: { ...identity("Finding a requester by e-mail without storing it in plain (keyed blind index).", "contact"), encrypted: false },
      contact_organisation_enc: identity("The organisation the requester named to pass updates on.", "contact"),
      created_at: { ...identity("Bookkeeping.", "identity"), encrypted: false },
      updated_at: { ...identity("Bookkeeping.", "identity"), encrypted: false },
    },
  },
  case: {
    purpose: "A request for information and removal support (Art. 20 and 21 of the proposed regulation).",
    columns: {
      id: caseColumn("Identifies the case internally."),
      reference: caseColumn("Lets the requester come back without an account."),
      secret_hash: { ...caseColumn("Proves the requester knows the secret; argon2id, the secret itself is never stored.", "security") },
      submission_hash: caseColumn("Makes a double submit return the same case instead of a second one.", "security"),
      subject_id: caseColumn("Links the case to its requester's encrypted identity."),
      route: caseColumn("EU right or voluntary route: decides the legal basis and what the requester is told."),
      country: caseColumn("Decides the route and the handling authority."),
      language: caseColumn("Notices and e-mails reach the requester in their language."),
      relation: caseColumn("Who is asking: the person depicted or a representative."),
      wants_information: caseColumn("What the requester asked for."),
      wants_removal: caseColumn("What the requester asked for."),
      disclosure: caseColumn("How much the requester wants to be told; binds the authority."),
      contact_method: caseColumn("Whether and how the requester wants notices."),
      handling_organisation_id: caseColumn("Which organisation handles the request."),
      status: caseColumn("Where the request stands."),
      identity_verified_at: caseColumn("Nothing is disclosed before identity or mandate is verified (Art. 20(2)(c))."),
      received_at: caseColumn("Start of the one-month answer period (GDPR Art. 12(3))."),
      due_at: caseColumn("The answer's due date."),
      extended_due_at: caseColumn("A due date extended once, with reasons."),
      closed_at: caseColumn("Start of the retention period after closing."),
      updated_at: caseColumn("Bookkeeping."),
      filed_by_organisation_id: caseColumn("The support organisation that filed for the victim may follow the case."),
      assigned_to: caseColumn("The caseworker responsible."),
      identity_verification_method: caseColumn("How identity or mandate was verified (Art. 20(2)(c)); no documents are stored."),
      identity_verified_by: caseColumn("Accountability for the verification."),
      extension_reason_enc: caseColumn("Why the answer takes longer (GDPR Art. 12(3)); the requester sees it.", "special", { encrypted: true }),
      rejection_reason_enc: caseColumn("Why the request was not taken up; the requester sees it.", "special", { encrypted: true }),
      legal_hold: caseColumn("A legal hold suspends retention and erasure while the case is needed for legal proceedings (GDPR Art. 17(3)(e))."),
      legal_hold_reason_enc: caseColumn("Why the hold was set, so it can be reviewed and lifted.", "special", { encrypted: true }),
      legal_hold_at: caseColumn("Accountability for the hold."),
      legal_hold_by: caseColumn("Accountability for the hold."),
      retention_until: caseColumn("When the closed case is reduced to anonymous statistics."),
      erasure_requested_at: caseColumn("The requester asked for erasure during a legal hold: erased as soon as the hold ends."),
    },
  },
  item: {
    purpose: "What the requester identified: web addresses, hashes of files, references. Never the imagery itself.",
    columns: {
      id: caseColumn("Identifies the item."),
      case_id: caseColumn("The case the item belongs to."),
      kind: caseColumn("How the item identifies the material."),
      value: caseColumn("The web address, hash or reference; never shown back to the requester."),
      pdq_quality: caseColumn("Low-quality perceptual hashes are not matched."),
      added_by: caseColumn("Who added the item."),
      added_at: caseColumn("When the item was added."),
      matched_at: caseColumn("Whether the item was matched against all sightings yet (a sweep catches up)."),
    },
  },
  case_event: {
    purpose: "The case's timeline, rendered in the reader's language from template keys.",
    columns: {
      id: caseColumn("Identifies the event."),
      case_id: caseColumn("The case the event belongs to."),
      at: caseColumn("When it happened."),
      template: caseColumn("What happened, as a translation key."),
      params: caseColumn("The template's values."),
      visible_to_requester: caseColumn("Whether the requester sees the event."),
      actor: caseColumn("Who acted: requester, staff or system."),
      note_enc: caseColumn("A caseworker's free text to the requester.", "special", { encrypted: true }),
      note_language: caseColumn("The note's language, shown to the reader."),
    },
  },
  message: {
    purpose: "Messages between requester and caseworker.",
    columns: {
      id: caseColumn("Identifies the message."),
      case_id: caseColumn("The case the message belongs to."),
      direction: caseColumn("Who wrote it."),
      body_enc: caseColumn("The message.", "special", { encrypted: true }),
      language: caseColumn("The writer's language."),
      sent_at: caseColumn("When it was sent."),
      read_at: caseColumn("Tells the requester about unread replies."),
    },
  },
  provider: {
    purpose: "Directory of hosting and online service providers and their points of contact (DSA Art. 11/12).",
    columns: {
      id: config("Identifies the provider."),
      name: config("Told to requesters as the provider that reported or hosted the material."),
      country: config("Told to requesters; decides which authority can order removal."),
      removal_contact: config("Where removal notices go (a provider's published point of contact)."),
      languages: config("Notices go out in a language the provider accepts."),
      created_at: config("Bookkeeping."),
      updated_at: config("Bookkeeping of the directory's edits."),
    },
  },
  sighting: {
    purpose: "Reports of where known material was found, from hotlines, providers and the EU Centre.",
    columns: {
      id: sightingColumn("Identifies the sighting."),
      source_organisation_id: sightingColumn("Who reported it.", "case"),
      source_ref: sightingColumn("The reporter's own id, so a retried report is not stored twice.", "case"),
      provider_id: sightingColumn("The provider that hosted it.", "case"),
      url: sightingColumn("Where it was found: for notices to the provider only, never shown to a requester."),
      pdq: sightingColumn("Perceptual hash, for matching."),
      pdq_quality: sightingColumn("Low-quality hashes are not matched."),
      sha256: sightingColumn("Exact hash, for matching."),
      md5: sightingColumn("Exact hash as hotline lists use, for matching."),
      reported_at: sightingColumn("Told to the requester (Art. 20)."),
      forwarded_to: sightingColumn("Told to the requester: which authorities it was forwarded to (Art. 20)."),
      forwarded_at: sightingColumn("Told to the requester (Art. 20)."),
      removal_state: sightingColumn("Told to the requester: whether it was removed (Art. 20)."),
      removed_at: sightingColumn("Time to removal."),
      withheld_until: sightingColumn("Law enforcement's hold on information or removal (up to 18 months)."),
      created_at: sightingColumn("Bookkeeping."),
      seq: sightingColumn("Monotonic number: keeps every instance's in-memory hash index current.", "case"),
      url_hash: sightingColumn("SHA-256 of the address, to match the web addresses victims give."),
      updated_at: sightingColumn("When the source last changed it (removal, forwarding, hold).", "case"),
      matched_at: sightingColumn("Whether the sighting was matched against open cases yet.", "case"),
    },
  },
  match: {
    purpose: "Links between a requester's items and sightings; candidates until a caseworker decides.",
    columns: {
      id: caseColumn("Identifies the match."),
      case_id: caseColumn("The case."),
      item_id: caseColumn("The requester's item."),
      sighting_id: caseColumn("The sighting."),
      distance: caseColumn("How close a perceptual match is, for the caseworker's review."),
      state: caseColumn("Nothing is disclosed on a candidate: only confirmed matches reach the requester."),
      decided_by: caseColumn("Accountability for the decision."),
      decided_at: caseColumn("Accountability for the decision."),
      created_at: caseColumn("Bookkeeping."),
      reupload: caseColumn("Material already found for this case turned up again: an alert for the caseworker."),
    },
  },
  request_draft: {
    purpose: "A request being filled in, so answers survive between steps without JavaScript.",
    columns: {
      id: { purpose: "SHA-256 of the draft cookie's token.", category: "security", basis: "public-task", retention: "24 hours after the last step" },
      data_enc: { purpose: "The answers so far.", category: "special", basis: "public-task", retention: "24 hours after the last step, or until sent", encrypted: true },
      created_at: { purpose: "Bookkeeping.", category: "operational", basis: "public-task", retention: "24 hours after the last step" },
      expires_at: { purpose: "When the draft is deleted.", category: "operational", basis: "public-task", retention: "24 hours after the last step" },
    },
  },
  case_session: {
    purpose: "A requester signed in with reference and secret.",
    columns: {
      id: security("SHA-256 of the session token: a leak of the table gives no usable session.", "until the session expires (30 minutes idle)"),
      case_id: security("The case the session opens.", "until the session expires (30 minutes idle)"),
      expires_at: security("Idle timeout.", "until the session expires (30 minutes idle)"),
    },
  },
  rate_limit: {
    purpose: "Stops guessing of references and secrets.",
    columns: {
      key: security("Keyed hash of the client address or reference: no plaintext.", "one hour after the window starts"),
      failures: security("Failed attempts in the window.", "one hour after the window starts"),
      window_started_at: security("Start of the counting window.", "one hour after the window starts"),
      next_attempt_at: security("Growing delay between attempts.", "one hour after the window starts"),
      expires_at: security("When the counter is deleted.", "one hour after the window starts"),
    },
  },
  outbox: {
    purpose: "Outgoing neutral e-mail notices, with retries.",
    columns: {
      id: { purpose: "Identifies the e-mail.", category: "operational", basis: "consent", retention: "30 days after delivery" },
      recipient_enc: { purpose: "Where the notice goes.", category: "contact", basis: "consent", retention: "30 days after delivery", encrypted: true },
      template: { purpose: "Which neutral notice.", category: "operational", basis: "consent", retention: "30 days after delivery" },
      language: { purpose: "The requester's language.", category: "operational", basis: "consent", retention: "30 days after delivery" },
      status: { purpose: "Delivery state.", category: "operational", basis: "consent", retention: "30 days after delivery" },
      attempts: { purpose: "Retries with back-off.", category: "operational", basis: "consent", retention: "30 days after delivery" },
      next_attempt_at: { purpose: "Retries with back-off.", category: "operational", basis: "consent", retention: "30 days after delivery" },
      last_error: { purpose: "Diagnosing delivery, without addresses.", category: "operational", basis: "consent", retention: "30 days after delivery" },
      created_at: { purpose: "Bookkeeping.", category: "operational", basis: "consent", retention: "30 days after delivery" },
      sent_at: { purpose: "Delivery time.", category: "operational", basis: "consent", retention: "30 days after delivery" },
      case_id: { purpose: "Lets erasure of a case cancel its mails still in the queue.", category: "operational", basis: "consent", retention: "30 days after delivery" },
      subject_enc: { purpose: "A removal notice's subject, addressed to a provider (DSA Art. 16).", category: "special", basis: "public-task", retention: "30 days after delivery", encrypted: true },
      body_enc: { purpose: "A removal notice's text, with the addresses to remove, addressed to a provider (DSA Art. 16).", category: "special", basis: "public-task", retention: "30 days after delivery", encrypted: true },
    },
  },
  staff_user: {
    purpose: "Staff accounts of the organisations that handle requests or file them for victims.",
    columns: {
      id: staff("Identifies the account; recorded on every action for accountability."),
      organisation_id: staff("Which organisation's cases the account may reach."),
      role: staff("What the account may do."),
      display_name: staff("Shown to colleagues and in audit trails."),
      email_enc: { ...staff("Sign-in and invitations."), encrypted: true },
      email_bidx: staff("Finds the account at sign-in without storing the e-mail in plain (keyed blind index)."),
      password_hash: staffSecurity("argon2id of the password."),
      totp_key_enc: { ...staffSecurity("Second factor (TOTP)."), encrypted: true },
      totp_enabled_at: staffSecurity("Whether the second factor is enrolled."),
      recovery_codes: staffSecurity("Hashes of one-time recovery codes."),
      failed_attempts: staffSecurity("Locks the account after repeated failures."),
      locked_until: staffSecurity("Locks the account after repeated failures."),
      setup_token_hash: staffSecurity("The one-time set-up or invitation link (hashed)."),
      setup_expires_at: staffSecurity("Invitation links expire."),
      invited_by: staff("Accountability for who created the account."),
      created_at: staff("Bookkeeping."),
      disabled_at: staff("Disabled accounts cannot sign in."),
    },
  },
  staff_session: {
    purpose: "A signed-in staff member.",
    columns: {
      id: security("SHA-256 of the session token.", "until the session expires (30 minutes idle)"),
      user_id: security("The account.", "until the session expires (30 minutes idle)"),
      expires_at: security("Idle timeout.", "until the session expires (30 minutes idle)"),
      two_factor_verified: security("Whether the second factor was given.", "until the session expires (30 minutes idle)"),
    },
  },
  mandate: {
    purpose: "Who acts for a victim, on what basis and in what scope; the evidence itself stays with the organisation.",
    columns: {
      id: caseColumn("Identifies the mandate."),
      case_id: caseColumn("The case."),
      organisation_id: caseColumn("The organisation acting for the victim."),
      relation: caseColumn("Parent or guardian, legal representative, or an organisation the victim authorised."),
      basis_enc: caseColumn("The basis of the mandate.", "special", { encrypted: true }),
      evidence_reference_enc: caseColumn("Where the organisation keeps the evidence (not the document).", "special", { encrypted: true }),
      mandate_date: caseColumn("When the mandate was given."),
      scope: caseColumn("Information, removal or both."),
      receipt_holder: caseColumn("Who keeps the reference and secret, as the victim prefers."),
      recorded_by: caseColumn("Accountability."),
      recorded_at: caseColumn("Accountability."),
    },
  },
  case_note: {
    purpose: "Caseworkers' internal notes, never shown to the requester.",
    columns: {
      id: caseColumn("Identifies the note."),
      case_id: caseColumn("The case."),
      author_id: caseColumn("Accountability."),
      body_enc: caseColumn("The note.", "special", { encrypted: true }),
      created_at: caseColumn("Bookkeeping."),
    },
  },
};

const AUDIT_RETENTION = "two years, then pruned oldest first (held back while a case it names is under legal hold)";
const audit = (purpose: string, category: DataCategory = "security", extra: Partial<ColumnAnnotation> = {}): ColumnAnnotation => ({
  purpose,
  category,
  basis: "legal-obligation",
  retention: AUDIT_RETENTION,
  ...extra,
});
const statistic = (purpose: string): ColumnAnnotation => ({
  purpose,
  category: "operational",
  basis: "none",
  retention: "kept: anonymous, no link to a case or a person",
});

annotations.audit_log = {
  purpose: "Tamper-evident record of every staff view and change of a case, and of the requester's privacy requests (GDPR Art. 5(2), 32).",
  primaryKey: "seq",
  columns: {
    seq: audit("Gap-free order of the chain: a missing or moved row breaks it."),
    at: audit("When it was done."),
    actor_kind: audit("Who acted: staff, the requester, the system or an API client."),
    actor_id: audit("Which staff account or API key acted (a pseudonymous id)."),
    organisation_id: audit("On behalf of which organisation."),
    action: audit("What was done."),
    case_id: audit("Which case (a pseudonymous id; the trail outlives the case)."),
    reason_enc: audit("Why, in the actor's words.", "special", { encrypted: true }),
    details: audit("Ids, counts and flags of the action; never personal data."),
    prev_hash: audit("Chains the row to the one before it."),
    hash: audit("SHA-256 over the row and prev_hash: an altered row no longer matches."),
  },
};
annotations.audit_head = {
  purpose: "The end of the audit chain and where retention pruned it, so a deleted last or first row is noticed.",
  columns: {
    id: config("Always 1."),
    last_seq: { ...config("Sequence of the last row."), category: "security", retention: "as long as the audit log" },
    last_hash: { ...config("Hash of the last row."), category: "security", retention: "as long as the audit log" },
    pruned_seq: { ...config("Sequence of the last row removed by retention."), category: "security", retention: "as long as the audit log" },
    pruned_hash: { ...config("Hash of the last row removed by retention: the chain resumes from it."), category: "security", retention: "as long as the audit log" },
  },
};
annotations.case_statistics = {
  purpose: "What an erased or expired case leaves behind: anonymous counts for reporting, with no id, reference or link to the case or the person.",
  columns: {
    id: statistic("Identifies the row (random; not the case's id)."),
    received_month: statistic("Workload over time, by month only."),
    closed_month: statistic("Workload over time, by month only."),
    reduced_month: statistic("When the case was reduced."),
    reduced_because: statistic("Erased on request or at the end of retention."),
    route: statistic("EU right or voluntary route."),
    country: statistic("Where requests come from."),
    relation: statistic("Who files requests (self, parent, organisation…)."),
    handling_organisation_id: statistic("Workload per organisation."),
    final_status: statistic("Outcome."),
    days_open: statistic("Time to answer."),
    items: statistic("How many items requests name."),
    instances_found: statistic("How often material was found."),
    instances_removed: statistic("How often it was removed."),
  },
};

annotations.sighting_sequence = {
  purpose: "The last sighting number handed out, so every instance's hash index sees new sightings in order.",
  columns: {
    id: config("Always 1."),
    last_seq: config("The last sighting number handed out."),
  },
};
const apiKey = (purpose: string, category: DataCategory = "security"): ColumnAnnotation => ({
  purpose,
  category,
  basis: "legitimate-interest",
  retention: "while the key exists; revoked keys are kept for accountability",
});
annotations.api_key = {
  purpose: "Keys reporting organisations use to send sightings through the API; only a hash of each key is kept.",
  columns: {
    id: apiKey("Identifies the key; recorded in the audit trail on every use."),
    organisation_id: apiKey("The reporting organisation the key acts for.", "operational"),
    label: apiKey("What the key is for, as its creator described it.", "operational"),
    prefix: apiKey("The key's first characters, to recognise it in lists."),
    secret_hash: apiKey("SHA-256 of the key: a leak of the table gives no usable key."),
    scopes: apiKey("What the key may do."),
    created_by: apiKey("Accountability: the staff user who created it."),
    created_at: apiKey("Accountability."),
    last_used_at: apiKey("Spotting unused or misused keys."),
    revoked_at: apiKey("Revoked keys are refused."),
    revoked_by: apiKey("Accountability: who revoked it."),
  },
};
annotations.notice = {
  purpose: "Removal notices to providers for a case's confirmed instances (DSA Art. 16; Art. 21 support for removal), re-sent until removal.",
  columns: {
    id: caseColumn("Identifies the notice; the provider quotes it (it leads to no one without the portal)."),
    case_id: caseColumn("The case the notice is sent for."),
    provider_id: caseColumn("The provider it is sent to.", "case"),
    language: caseColumn("The language it is written in.", "case"),
    sender_named: caseColumn("Whether it names the sending organisation.", "case"),
    state: caseColumn("Open until removal is confirmed, or refused or closed."),
    sent_at: caseColumn("Time to removal counts from the first notice."),
    last_sent_at: caseColumn("When it was last sent."),
    send_count: caseColumn("How often it was sent."),
    next_send_at: caseColumn("When it is re-sent next."),
    referral_due_at: caseColumn("When the case is flagged for referral for a removal order."),
    referral_flagged_at: caseColumn("Flagged for referral for a removal order."),
    referred_at: caseColumn("The caseworker's record of the referral."),
    referred_by: caseColumn("Accountability for the referral."),
    referral_note_enc: caseColumn("The caseworker's note on the referral (authority, its reference).", "special", { encrypted: true }),
    closed_at: caseColumn("When the notice stopped being re-sent."),
    created_by: caseColumn("Accountability: who sent it."),
  },
};
annotations.notice_sighting = {
  purpose: "Which instances a notice names, and the time to removal of each.",
  primaryKey: "notice_id",
  columns: {
    notice_id: caseColumn("The notice."),
    sighting_id: caseColumn("The instance."),
    removed_at: caseColumn("When the instance was removed."),
    removal_seconds: caseColumn("Time to removal, for the requester's timeline and the providers' statistics."),
    removal_recorded_by: caseColumn("Who confirmed the removal: the reporting source (API) or a caseworker."),
  },
};

/** Tables that belong to tooling, not to the app's data. */
export const UNANNOTATED_TABLES = new Set(["kysely_migration", "kysely_migration_lock"]);
