/** The school side's tables as Kysely sees them; the migrations in ./migrations/mis are the truth. */
import type { ColumnType, Generated, JSONColumnType, Kysely, Transaction } from "kysely";
import type { Pupil } from "../ctf/model.js";
import type { Database } from "./database.js";

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
  hub_url: string | null;
  hub_token_sealed: string | null;
  created_at: Generated<Date>;
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
}

export interface MisApiTokensTable {
  id: Generated<string>;
  user_id: string;
  token_hash: string;
  created_at: Generated<Date>;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface MisSessionsTable {
  token_hash: string;
  user_id: string;
  created_at: Generated<Date>;
  expires_at: Timestamp;
}

export interface MisAuditTable {
  id: Generated<string>;
  at: Generated<Date>;
  user_id: string | null;
  username: string | null;
  action: string;
  target: string | null;
  detail: JSONColumnType<Record<string, unknown>, string, string>;
}

export type PupilStatus = "applicant" | "intake" | "onroll" | "left";

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
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface MisDB {
  school: SchoolTable;
  users: MisUsersTable;
  api_tokens: MisApiTokensTable;
  sessions: MisSessionsTable;
  audit_events: MisAuditTable;
  pupils: PupilsTable;
}

export type MisDb = Kysely<MisDB>;
export type MisTx = Transaction<MisDB>;
export type MisDatabase = Database<MisDB>;
