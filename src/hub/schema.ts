/** The hub's tables as Kysely sees them; the migrations in ./migrations/hub are the truth. */
import type { ColumnType, Generated, JSONColumnType, Kysely, Transaction } from "kysely";
import type { ApiTokensTable } from "../platform/accounts/api-tokens.js";
import type { RecoveryCodesTable } from "../platform/accounts/second-factor.js";
import type { SessionsTable } from "../platform/accounts/sessions.js";
import type { SignInAttemptsTable } from "../platform/accounts/sign-in-attempts.js";
import type { SignInLinksTable } from "../platform/accounts/sign-in-links.js";
import type { AuditEventsTable } from "../platform/audit/chain.js";
import type { NullableTimestamp, Timestamp } from "../platform/db/columns.js";
import type { Database } from "../platform/db/database.js";
import type { MailOutboxTable } from "../platform/mail/outbox.js";

export type {
  ApiTokensTable,
  AuditEventsTable,
  MailOutboxTable,
  RecoveryCodesTable,
  SessionsTable,
  SignInAttemptsTable,
  SignInLinksTable,
};

export interface EstablishmentsTable {
  laestab: string;
  urn: string | null;
  name: string;
  la_code: string;
  la_name: string;
  type: Generated<string>;
  status: Generated<"open" | "closed">;
  independent: Generated<boolean>;
  email: string | null;
  updated_at: Timestamp;
  town: string | null;
  /** The URN of the school that took this one over, from GIAS's links extract. */
  successor_urn: string | null;
  /** The school requires a second factor of all its users. */
  second_factor_required: Generated<boolean>;
}

export interface LocalAuthoritiesTable {
  code: string;
  name: string;
  email: string | null;
}

export interface CorrectionsTable {
  id: Generated<string>;
  laestab: string;
  user_id: string;
  text: string;
  created_at: Timestamp;
  resolved_at: NullableTimestamp;
}

export type Role = "school" | "la" | "admin";

export interface UsersTable {
  id: Generated<string>;
  username: string;
  email: string;
  role: Role;
  establishment: string | null;
  la_code: string | null;
  password_hash: string;
  disabled: Generated<boolean>;
  created_at: Timestamp;
  /** The authenticator key, sealed (SecretBox); null until set up. */
  totp_secret: string | null;
  /** A key being set up, sealed, until its first code confirms it. */
  totp_pending: string | null;
  /** The last 30-second step a code was accepted for: no code works twice. */
  totp_last_step: number | null;
  /** When the user last saw their home page: an LA's counts say what is new since. */
  home_seen_at: NullableTimestamp;
  /** An LA user e-mailed when a file from one of its schools goes to a register. */
  notify_register: Generated<boolean>;
  /** Set by the operator's CLI: the password must be replaced at first sign-in. */
  must_change_password: Generated<boolean>;
  /** The user is e-mailed when a file they sent is downloaded (on unless turned off). */
  notify_downloaded: Generated<boolean>;
  /** Made by an administrator and not yet approved by its organisation (also `disabled`). */
  awaiting_approval: Generated<boolean>;
  /** The longest life of a token this user makes, when shorter than the service's. */
  token_max_days: number | null;
}

/** An account waiting for its organisation's approval (account-approvals.ts). */
export interface AccountApprovalsTable {
  user_id: string;
  /** The administrator who made it, who may not approve it. */
  requested_by: string;
  /** The notice address's single-use link, hashed. */
  token_hash: string;
  expires_at: Timestamp;
  created_at: Generated<Date>;
}

export interface NoticeEmailChangesTable {
  token_hash: string;
  laestab: string;
  email: string;
  requested_by: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  confirmed_at: NullableTimestamp;
  voided_at: NullableTimestamp;
}

export const TRANSFER_STATUSES = [
  "checking",
  "failed",
  "available",
  "lost",
  "outside",
  "downloaded",
  "rejected",
  "removed",
  "expired",
] as const;
export type TransferStatus = (typeof TRANSFER_STATUSES)[number];

export type { FindingJson as StoredFinding } from "../ctf/findings.js";

import type { FindingJson as StoredFinding } from "../ctf/findings.js";

export interface TransfersTable {
  id: Generated<string>;
  file_name: string;
  source_laestab: string;
  dest_laestab: string;
  dest_kind: "school" | "la" | "lost" | "outside";
  sequence: number;
  status: TransferStatus;
  sender_user_id: string;
  size_bytes: number;
  sha256: string;
  store_key: string | null;
  ctf_version: string | null;
  pupil_count: Generated<number>;
  errors: JSONColumnType<StoredFinding[], string | undefined, string>;
  warnings: JSONColumnType<StoredFinding[], string | undefined, string>;
  created_at: Timestamp;
  checked_at: NullableTimestamp;
  downloaded_at: NullableTimestamp;
  downloaded_by: string | null;
  rejected_at: NullableTimestamp;
  reject_reason: string | null;
  removed_at: NullableTimestamp;
  expires_at: NullableTimestamp;
  expiry_warned_at: NullableTimestamp;
  purged_at: NullableTimestamp;
  sent_before_duplicate_rule: Generated<boolean>;
}

export interface TransferPupilsTable {
  transfer_id: string;
  position: number;
  upn: string | null;
  former_upn: string | null;
  surname: string;
  forename: string;
  preferred_surname: string | null;
  preferred_forename: string | null;
  former_surname: string | null;
  dob: string | null;
  sex: string | null;
  nc_year: string | null;
}

export interface IdempotencyKeysTable {
  user_id: string;
  key: string;
  request: string;
  status: number | null;
  body: ColumnType<unknown, string | null | undefined, string | null>;
  /** An upload's file name and SHA-256 (`name\nhex`; no hex if it was not read whole). */
  content: string | null;
  created_at: Timestamp;
  /** The process that claimed the key (hub_processes.id); null for claims made before 0030. */
  claimed_by: string | null;
}

/** A running hub process, alive while `seen_at` is recent (migration 0030). */
export interface HubProcessesTable {
  id: string;
  role: string;
  started_at: Timestamp;
  seen_at: Timestamp;
}

/** A stored file no transfer may refer to: the orphan sweep's list (migration 0029). */
export interface FilesInFlightTable {
  store_key: string;
  since: Timestamp;
}

/** A file's pupil who may be a child in a register (migration 0033). */
export interface RegisterMatchesTable {
  id: Generated<string>;
  lost_transfer_id: string;
  lost_position: number;
  transfer_id: string;
  transfer_position: number;
  score: number;
  certainty: "certain" | "probable" | "too-close";
  /** JSON: the reasons, naming no child ("surname, one letter out"). */
  reasons: string;
  status: Generated<"open" | "passed-on" | "dismissed">;
  seen_la: string;
  keeper_la: string;
  dismiss_reason: string | null;
  decided_by: string | null;
  decided_at: NullableTimestamp;
  created_at: Generated<Date>;
}

export interface DB {
  establishments: EstablishmentsTable;
  local_authorities: LocalAuthoritiesTable;
  corrections: CorrectionsTable;
  users: UsersTable;
  account_approvals: AccountApprovalsTable;
  api_tokens: ApiTokensTable;
  sessions: SessionsTable;
  transfers: TransfersTable;
  transfer_pupils: TransferPupilsTable;
  audit_events: AuditEventsTable;
  mail_outbox: MailOutboxTable;
  idempotency_keys: IdempotencyKeysTable;
  sign_in_attempts: SignInAttemptsTable;
  recovery_codes: RecoveryCodesTable;
  sign_in_links: SignInLinksTable;
  notice_email_changes: NoticeEmailChangesTable;
  files_in_flight: FilesInFlightTable;
  hub_processes: HubProcessesTable;
  register_matches: RegisterMatchesTable;
}

export type Db = Kysely<DB>;
export type Tx = Transaction<DB>;
export type HubDatabase = Database<DB>;
