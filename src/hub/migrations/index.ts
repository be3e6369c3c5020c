import { LOCK_KEYS } from "../../platform/db/lock-keys.js";
import type { Migration, MigrationSet } from "../../platform/db/migrate.js";
import directory from "./0001_directory.js";
import accounts from "./0002_accounts.js";
import transfers from "./0003_transfers.js";
import mail from "./0004_mail.js";
import lostPupilSearch from "./0005_lost_pupil_search.js";
import changeNotices from "./0006_change_notices.js";
import duplicatesAndIdempotency from "./0007_duplicates_and_idempotency.js";
import onePendingCopy from "./0008_one_pending_copy.js";
import signInAttempts from "./0009_sign_in_attempts.js";
import secondFactor from "./0010_second_factor.js";
import tokenExpiry from "./0011_token_expiry.js";
import signInLinks from "./0012_sign_in_links.js";
import auditChain from "./0013_audit_chain.js";
import mailAttempts from "./0014_mail_attempts.js";
import noticeEmailChanges from "./0015_notice_email_changes.js";
import transfersBySender from "./0016_transfers_by_sender.js";
import mailAboutAFile from "./0017_mail_about_a_file.js";
import lockoutByNameOnly from "./0018_lockout_by_name_only.js";
import directoryTownsAndSuccessors from "./0019_directory_towns_and_successors.js";
import auditByTarget from "./0020_audit_by_target.js";
import homeSeen from "./0021_home_seen.js";
import registerNotices from "./0022_register_notices.js";
import passwordToChange from "./0023_password_to_change.js";
import mailForgottenWhenSent from "./0024_mail_forgotten_when_sent.js";
import accountApprovals from "./0025_account_approvals.js";
import idempotentUploadContent from "./0026_idempotent_upload_content.js";
import downloadedNotices from "./0027_downloaded_notices.js";
import tokenLifePerUser from "./0028_token_life_per_user.js";
import filesInFlight from "./0029_files_in_flight.js";
import hubProcesses from "./0030_hub_processes.js";
import checkNotices from "./0031_check_notices.js";
import registerSearchIndexes from "./0032_register_search_indexes.js";
import registerMatches from "./0033_register_matches.js";

/** Numbered, forward-only: never edit one that has shipped; add the next. */
export const MIGRATIONS: readonly Migration[] = [
  { id: 1, name: "directory", sql: directory },
  { id: 2, name: "accounts", sql: accounts },
  { id: 3, name: "transfers", sql: transfers },
  { id: 4, name: "mail", sql: mail },
  { id: 5, name: "lost-pupil-search", sql: lostPupilSearch },
  { id: 6, name: "change-notices", sql: changeNotices },
  { id: 7, name: "duplicates-and-idempotency", sql: duplicatesAndIdempotency },
  { id: 8, name: "one-pending-copy", sql: onePendingCopy },
  { id: 9, name: "sign-in-attempts", sql: signInAttempts },
  { id: 10, name: "second-factor", sql: secondFactor },
  { id: 11, name: "token-expiry", sql: tokenExpiry },
  { id: 12, name: "sign-in-links", sql: signInLinks },
  { id: 13, name: "audit-chain", sql: auditChain },
  { id: 14, name: "mail-attempts", sql: mailAttempts },
  { id: 15, name: "notice-email-changes", sql: noticeEmailChanges },
  { id: 16, name: "transfers-by-sender", sql: transfersBySender },
  { id: 17, name: "mail-about-a-file", sql: mailAboutAFile },
  { id: 18, name: "lockout-by-name-only", sql: lockoutByNameOnly },
  { id: 19, name: "directory-towns-and-successors", sql: directoryTownsAndSuccessors },
  { id: 20, name: "audit-by-target", sql: auditByTarget },
  { id: 21, name: "home-seen", sql: homeSeen },
  { id: 22, name: "register-notices", sql: registerNotices },
  { id: 23, name: "password-to-change", sql: passwordToChange },
  { id: 24, name: "mail-forgotten-when-sent", sql: mailForgottenWhenSent },
  { id: 25, name: "account-approvals", sql: accountApprovals },
  { id: 26, name: "idempotent-upload-content", sql: idempotentUploadContent },
  { id: 27, name: "downloaded-notices", sql: downloadedNotices },
  { id: 28, name: "token-life-per-user", sql: tokenLifePerUser },
  { id: 29, name: "files-in-flight", sql: filesInFlight },
  { id: 30, name: "hub-processes", sql: hubProcesses },
  { id: 31, name: "check-notices", sql: checkNotices },
  { id: 32, name: "register-search-indexes", sql: registerSearchIndexes },
  { id: 33, name: "register-matches", sql: registerMatches },
];

export const HUB_MIGRATIONS: MigrationSet = {
  table: "s2s_migrations",
  lockKey: LOCK_KEYS.hubMigrations,
  migrations: MIGRATIONS,
};
