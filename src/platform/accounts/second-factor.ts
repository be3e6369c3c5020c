/**
 * The second factor, the same for every app: an authenticator app's 6-digit codes (TOTP), or one
 * of ten single-use recovery codes. The key is sealed in the database; recovery codes are kept
 * only hashed. Which accounts must have one is each app's policy; this is the mechanism, over any
 * schema whose `users` have the TOTP columns and which has a `recovery_codes` table.
 */
import { randomInt } from "node:crypto";
import type { Generated, Kysely, Transaction } from "kysely";
import type { NullableTimestamp } from "../db/columns.js";
import { AppError, invalid } from "../errors.js";
import type { SecretBox } from "../store/secret-box.js";
import { sha256 } from "./secrets.js";
import { base32Decode, matchCode, newTotpSecret, otpauthUri, stepAt } from "./totp.js";

const RECOVERY_CODES = 10;
const ISSUER = "S2S";

export interface RecoveryCodesTable {
  id: Generated<string>;
  user_id: string;
  code_hash: string;
  used_at: NullableTimestamp;
}

/** The columns of an app's `users` this touches. */
export interface FactorColumns {
  id: Generated<string>;
  /** The authenticator's key, sealed; null until set up. */
  totp_secret: string | null;
  /** A key being set up, sealed, until its first code confirms it. */
  totp_pending: string | null;
  /** The last 30-second step a code was accepted for: no code works twice. */
  totp_last_step: number | null;
}

type HasFactors = { users: FactorColumns; recovery_codes: RecoveryCodesTable };
type Db = Kysely<HasFactors>;
// Kysely's types are invariant in the schema: each caller's database is narrowed to these tables.
const narrow = <S extends HasFactors>(db: Kysely<S> | Transaction<S>) => db as unknown as Db;

export interface FactorUser {
  id: string;
  totp_secret: string | null;
  totp_last_step: number | null;
}

/**
 * Whether `code` is a right authenticator code (not used before) or an unused recovery code for
 * this user; either is then spent, and which it was returned. Conditional updates make two uses
 * at once spend it once.
 */
export async function spendCode<S extends HasFactors>(
  trx: Transaction<S>,
  secrets: SecretBox,
  now: Date,
  user: FactorUser,
  code: string,
): Promise<"totp" | "recovery" | undefined> {
  if (!user.totp_secret) return undefined;
  const db = narrow(trx);
  const given = code.trim();
  if (/^\d{3}\s?\d{3}$/.test(given)) {
    // The last step as read with the user may be stale; the conditional update below decides.
    const step = matchCode(secrets.open(user.totp_secret), given, now, user.totp_last_step);
    if (step === undefined) return undefined;
    const r = await db
      .updateTable("users")
      .set({ totp_last_step: step })
      .where("id", "=", user.id)
      .where((eb) => eb.or([eb("totp_last_step", "is", null), eb("totp_last_step", "<", step)]))
      .executeTakeFirst();
    return r.numUpdatedRows > 0n ? "totp" : undefined;
  }
  const r = await db
    .updateTable("recovery_codes")
    .set({ used_at: now })
    .where("user_id", "=", user.id)
    .where("code_hash", "=", sha256(normaliseRecovery(given)))
    .where("used_at", "is", null)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n ? "recovery" : undefined;
}

/** Starts setting up a new authenticator: the key to show (as a QR code and as text). */
export async function beginEnrolment<S extends HasFactors>(
  appDb: Kysely<S>,
  secrets: SecretBox,
  userId: string,
  username: string,
) {
  const secret = newTotpSecret();
  await narrow(appDb)
    .updateTable("users")
    .set({ totp_pending: secrets.seal(secret) })
    .where("id", "=", userId)
    .execute();
  return { secret: grouped(secret), uri: otpauthUri(secret, username, ISSUER) };
}

/** The key being set up, to show again after a wrong code. */
export async function pendingEnrolment<S extends HasFactors>(
  appDb: Kysely<S>,
  secrets: SecretBox,
  userId: string,
  username: string,
) {
  const row = await narrow(appDb)
    .selectFrom("users")
    .select("totp_pending")
    .where("id", "=", userId)
    .executeTakeFirst();
  if (!row?.totp_pending) return undefined;
  const secret = secrets.open(row.totp_pending);
  return { secret: grouped(secret), uri: otpauthUri(secret, username, ISSUER) };
}

/**
 * Confirms the key being set up with its first code; the key replaces any earlier one, and ten
 * new recovery codes (returned once, kept hashed) replace any earlier ones. The caller audits.
 */
export async function confirmEnrolment<S extends HasFactors>(
  trx: Transaction<S>,
  secrets: SecretBox,
  now: Date,
  userId: string,
  code: string,
): Promise<string[]> {
  const db = narrow(trx);
  const row = await db
    .selectFrom("users")
    .select("totp_pending")
    .where("id", "=", userId)
    .executeTakeFirst();
  if (!row?.totp_pending)
    throw new AppError("form.expired", "Setting up took too long. Start again.");
  const step = matchCode(secrets.open(row.totp_pending), code, now, null);
  if (step === undefined)
    throw new AppError("auth.code", "That code is not right. Enter the code your app shows now.", {
      field: "code",
    });
  await db
    .updateTable("users")
    .set({ totp_secret: row.totp_pending, totp_pending: null, totp_last_step: step })
    .where("id", "=", userId)
    .execute();
  return replaceRecoveryCodes(trx, userId);
}

/** Ten new recovery codes in place of any earlier ones; returned once, kept hashed. */
export async function replaceRecoveryCodes<S extends HasFactors>(
  trx: Transaction<S>,
  userId: string,
): Promise<string[]> {
  const db = narrow(trx);
  await db.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
  const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
  await db
    .insertInto("recovery_codes")
    .values(codes.map((c) => ({ user_id: userId, code_hash: sha256(normaliseRecovery(c)) })))
    .execute();
  return codes;
}

/**
 * The operator provisions a key on the command line (`--totp-secret`), for accounts whose
 * first sign-in cannot set one up (an API-only account, a test).
 */
export async function provisionSecondFactor<S extends HasFactors>(
  trx: Transaction<S>,
  secrets: SecretBox,
  now: Date,
  userId: string,
  secret: string,
): Promise<void> {
  const key = base32Decode(secret);
  if (!key || key.length < 10)
    throw invalid("A TOTP secret is base32 (A-Z, 2-7) of at least 16 characters.", "totpSecret");
  await narrow(trx)
    .updateTable("users")
    .set({
      totp_secret: secrets.seal(secret.replace(/[\s=-]/g, "").toUpperCase()),
      totp_last_step: stepAt(now) - 2,
    })
    .where("id", "=", userId)
    .execute();
}

/** How many of a user's recovery codes are still unused. */
export async function recoveryCodesLeft<S extends HasFactors>(
  appDb: Kysely<S>,
  userId: string,
): Promise<number> {
  const left = await narrow(appDb)
    .selectFrom("recovery_codes")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("user_id", "=", userId)
    .where("used_at", "is", null)
    .executeTakeFirstOrThrow();
  return Number(left.n);
}

function newRecoveryCode(): string {
  const digits = Array.from({ length: 10 }, () => "abcdefghjkmnpqrstuvwxyz23456789"[randomInt(31)]);
  return `${digits.slice(0, 5).join("")}-${digits.slice(5).join("")}`;
}

function normaliseRecovery(code: string): string {
  return code.toLowerCase().replace(/[^a-z0-9]/g, "");
}

function grouped(secret: string): string {
  return secret.replace(/(.{4})/g, "$1 ").trim();
}
