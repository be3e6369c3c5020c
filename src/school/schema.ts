/** The school side's tables as Kysely sees them; the migrations in ./migrations/mis are the truth. */
import type {
  ColumnType,
  Generated,
  GeneratedAlways,
  JSONColumnType,
  Kysely,
  Transaction,
} from "kysely";
import type { Pupil } from "../ctf/model.js";
import type { ApiTokensTable } from "../platform/accounts/api-tokens.js";
import type { RecoveryCodesTable } from "../platform/accounts/second-factor.js";
import type { SessionsTable } from "../platform/accounts/sessions.js";
import type { SignInAttemptsTable } from "../platform/accounts/sign-in-attempts.js";
import type { SignInLinksTable } from "../platform/accounts/sign-in-links.js";
import type { AuditEventsTable } from "../platform/audit/chain.js";
import type { Database } from "../platform/db/database.js";

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<
  Date | null,
  Date | string | null | undefined,
  Date | string | null
>;
/** A date column, read back as YYYY-MM-DD text (see database.ts's type parsers). */
type DateText = ColumnType<string | null, string | null | undefined, string | null>;

export interface SchoolTable {
  one: Generated<boolean>;
  laestab: string;
  name: string;
  /** From the hub's directory, or given at set-up; null until known. */
  urn: Generated<string | null>;
  hub_url: string | null;
  hub_token_sealed: string | null;
  /** Where exports kept back from the hub are written (an absolute path on this machine). */
  exchange_folder: string | null;
  created_at: Generated<Date>;
  /** Staff, too, must sign in with a second factor (managers always do). */
  staff_second_factor: Generated<boolean>;
}

export type MisRole = "manager" | "staff";

export interface MisUsersTable {
  id: Generated<string>;
  username: string;
  email: string;
  role: MisRole;
  password_hash: string;
  disabled: Generated<boolean>;
  created_at: Generated<Date>;
  /** The authenticator's key, sealed; null until set up (platform/accounts/second-factor.ts). */
  totp_secret: string | null;
  totp_pending: string | null;
  totp_last_step: number | null;
  /** Set by the operator's CLI or a manager's new user: replaced at first sign-in. */
  must_change_password: Generated<boolean>;
  /** The longest life of a token this user makes, when a manager set it shorter; else null. */
  token_max_days: number | null;
}

export type PupilStatus = "applicant" | "intake" | "onroll" | "left";

/** An import's accept at the hub, sent after the import commits (hub-accepts.ts). */
export interface HubAcceptsTable {
  import_id: string;
  transfer_id: string;
  created_at: Generated<Date>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  accepted_at: NullableTimestamp;
  /** The hub's refusal, in its words: not tried again. */
  refused: string | null;
  last_error: string | null;
}

export interface PupilsTable {
  id: Generated<string>;
  upn: string | null;
  surname: string;
  forename: string;
  dob: DateText;
  sex: string | null;
  nc_year: string | null;
  reg_group: string | null;
  status: PupilStatus;
  admission_date: DateText;
  leaving_date: DateText;
  leaving_reason: string | null;
  leaving_destination: string | null;
  record: JSONColumnType<Pupil, string, string>;
  /** Areas of the record no file has ever given (it came from partial CTFs); null: none. */
  never_given: JSONColumnType<string[] | null, string | null | undefined, string | null>;
  created_at: Generated<Date>;
  updated_at: Timestamp;
  /** Computed by the database from the record, for matching. */
  former_upn: GeneratedAlways<string | null>;
  preferred_surname: GeneratedAlways<string | null>;
  preferred_forename: GeneratedAlways<string | null>;
  former_surname: GeneratedAlways<string | null>;
}

export interface AssociatedSchoolsTable {
  laestab: string;
  urn: string | null;
  name: string;
  la_code: string;
  la_name: string;
  code: string | null;
  feeder: Generated<boolean>;
  added_at: Generated<Date>;
}

/**
 * waiting: not yet taken by the hub (it could not be reached); saved: kept here, not sent;
 * refused: the hub said no (the reason in last_error).
 */
export type ExportStatus = "waiting" | "sent" | "saved" | "refused";

export interface ExportsTable {
  id: Generated<string>;
  file_name: string;
  destination: string;
  pupil_ids: string[];
  xml: string;
  status: ExportStatus;
  transfer_id: string | null;
  hub_status: string | null;
  hub_detail: JSONColumnType<Record<string, unknown> | null, string | null, string | null>;
  last_error: string | null;
  /** Set while a send is in progress, so that two senders never send one file at once. */
  sending_since: NullableTimestamp;
  created_by: string | null;
  created_at: Generated<Date>;
  sent_at: NullableTimestamp;
  checked_at: NullableTimestamp;
  /** Where the file was written in the data exchange folder, if it was. */
  saved_path: string | null;
  /** Went as a partial CTF: some of its pupils' records lack areas no file ever gave. */
  partial: Generated<boolean>;
}

import type { ClosureKind } from "../ctf/school-days.js";

export type { ClosureKind };

export interface ClosuresTable {
  id: Generated<string>;
  first_day: ColumnType<string, string, string>;
  last_day: ColumnType<string, string, string>;
  kind: ClosureKind;
  label: string;
}

export type ImportStatus = "proposed" | "committed" | "undone";

export interface ImportsTable {
  id: Generated<string>;
  file_name: string;
  sha256: string;
  source: "hub" | "folder" | "upload";
  transfer_id: string | null;
  from_laestab: string | null;
  from_name: string | null;
  /** The file as it came, compressed (stored-file.ts); null for imports made before it was kept. */
  file: Uint8Array | null;
  /** The file's pupils as read, for imports made before the file was kept; null since. */
  file_pupils: JSONColumnType<Pupil[] | null, string | null, string | null>;
  proposals: JSONColumnType<unknown[], string, string>;
  /** The file said it was partial (DocumentQualifier): what it lacks may exist elsewhere. */
  partial: Generated<boolean>;
  status: ImportStatus;
  added: Generated<number>;
  merged: Generated<number>;
  skipped: Generated<number>;
  created_by: string | null;
  created_at: Generated<Date>;
  committed_by: string | null;
  committed_at: NullableTimestamp;
  undone_by: string | null;
  undone_at: NullableTimestamp;
  undo_notes: JSONColumnType<unknown[] | null, string | null, string | null>;
}

/** One pupil's change by an import: what a merge changed, or a digest of a new pupil's row. */
export interface ImportChangesTable {
  import_id: string;
  position: number;
  pupil_id: string;
  action: "new" | "merge";
  /** What a merge changed, leaf by leaf: [before, after] as canonical JSON (null: absent). */
  diff: JSONColumnType<
    Record<string, [string | null, string | null]> | null,
    string | null,
    string | null
  >;
  /** For a pupil added: a digest of the row as written. */
  after_digest: string | null;
}

/** A leaver's details, as recorded. */
export interface Leaving {
  date: string | null;
  reason: string | null;
  destination: string | null;
}

/**
 * A pupil's row as an import and its undo see it: the record and the school's enrolment. The
 * optional parts are absent, not null, when there is nothing to say, so that digests kept before
 * they existed still match.
 */
export interface PupilState {
  record: Pupil;
  status: PupilStatus;
  regGroup: string | null;
  admissionDate: string | null;
  /** Where any leaving detail is recorded. */
  leaving?: Leaving;
  /** Areas no file has ever given this pupil (partial CTFs only). */
  neverGiven?: string[];
}

export interface MisDB {
  imports: ImportsTable;
  import_changes: ImportChangesTable;
  closures: ClosuresTable;
  associated_schools: AssociatedSchoolsTable;
  exports: ExportsTable;
  school: SchoolTable;
  users: MisUsersTable;
  api_tokens: ApiTokensTable;
  sessions: SessionsTable;
  audit_events: AuditEventsTable;
  hub_accepts: HubAcceptsTable;
  recovery_codes: RecoveryCodesTable;
  sign_in_links: SignInLinksTable;
  pupils: PupilsTable;
  sign_in_attempts: SignInAttemptsTable;
}

export type MisDb = Kysely<MisDB>;
export type MisTx = Transaction<MisDB>;
export type MisDatabase = Database<MisDB>;
