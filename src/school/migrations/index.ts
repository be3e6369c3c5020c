import { LOCK_KEYS } from "../../platform/db/lock-keys.js";
import type { Migration, MigrationSet } from "../../platform/db/migrate.js";
import schoolAndAccounts from "./0001_school_and_accounts.js";
import pupils from "./0002_pupils.js";
import associatedSchoolsAndExports from "./0003_associated_schools_and_exports.js";
import schoolCalendar from "./0004_school_calendar.js";
import exchangeFolder from "./0005_exchange_folder.js";
import signInAttempts from "./0006_sign_in_attempts.js";
import imports from "./0007_imports.js";
import recordsUncompressed from "./0008_records_uncompressed.js";
import importFile from "./0009_import_file.js";
import recordsInRow from "./0010_records_in_row.js";
import schoolUrn from "./0011_school_urn.js";
import recordGaps from "./0012_record_gaps.js";
import auditChain from "./0013_audit_chain.js";
import hubAccepts from "./0014_hub_accepts.js";
import secondFactorAndPasswords from "./0015_second_factor_and_passwords.js";
import tokenLifePerUser from "./0016_token_life_per_user.js";

/** The school side's migrations: numbered, forward-only, never edited once shipped. */
export const MIGRATIONS: readonly Migration[] = [
  { id: 1, name: "school-and-accounts", sql: schoolAndAccounts },
  { id: 2, name: "pupils", sql: pupils },
  { id: 3, name: "associated-schools-and-exports", sql: associatedSchoolsAndExports },
  { id: 4, name: "school-calendar", sql: schoolCalendar },
  { id: 5, name: "exchange-folder", sql: exchangeFolder },
  { id: 6, name: "sign-in-attempts", sql: signInAttempts },
  { id: 7, name: "imports", sql: imports },
  { id: 8, name: "records-uncompressed", sql: recordsUncompressed },
  { id: 9, name: "import-file", sql: importFile },
  { id: 10, name: "records-in-row", sql: recordsInRow },
  { id: 11, name: "school-urn", sql: schoolUrn },
  { id: 12, name: "record-gaps", sql: recordGaps },
  { id: 13, name: "audit-chain", sql: auditChain },
  { id: 14, name: "hub-accepts", sql: hubAccepts },
  { id: 15, name: "second-factor-and-passwords", sql: secondFactorAndPasswords },
  { id: 16, name: "token-life-per-user", sql: tokenLifePerUser },
];

export const MIS_MIGRATIONS: MigrationSet = {
  table: "s2s_mis_migrations",
  lockKey: LOCK_KEYS.misMigrations,
  migrations: MIGRATIONS,
};
