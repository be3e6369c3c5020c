/**
 * Passwords: hashed with argon2id, and a new one refused when it is short, common, or the
 * username. "Common" is the 49,000 most used passwords shipped with zxcvbn-ts
 * (`@zxcvbn-ts/language-common`), also with digits or symbols added at the end or the word
 * repeated ("password1234", "monkeymonkey"), which are the commonest ways to pass a length rule.
 */
import { randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";
import { dictionary } from "@zxcvbn-ts/language-common";
import { invalid } from "../errors.js";

export const MIN_PASSWORD_LENGTH = 12;

/**
 * Verified in place of a password when the account does not exist, so that an unknown name takes
 * as long to refuse as a known one. Made with the same parameters as every real hash, from random
 * bytes nobody kept.
 */
const NOBODY_HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$uMaELCvoAkvW3s9Q3R2JEA$yKUzQ5bE9h62288TBla9cimjJKFEormzxF2lCjp4z+4";

export function randomPassword(): string {
  return randomBytes(15).toString("base64url");
}

export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

/** Checks a password against a hash, or against nobody's (always false) when there is none. */
export async function passwordMatches(hashed: string | undefined, password: string) {
  const ok = await verify(hashed ?? NOBODY_HASH, password).catch(() => false);
  return hashed !== undefined && ok;
}

const COMMON: ReadonlySet<string> = new Set(dictionary["passwords-common"]);

function isCommon(password: string): boolean {
  const p = password.toLowerCase();
  if (COMMON.has(p)) return true;
  // The word with digits or symbols after it, or said twice or more.
  const core = p.replace(/[^a-z]+$/, "");
  if (core.length >= 4 && core !== p && COMMON.has(core)) return true;
  for (let n = 1; n <= p.length / 2; n++)
    if (p.length % n === 0 && p.slice(0, n).repeat(p.length / n) === p) return true;
  return false;
}

/** Refuses a new password that is too short, common, or the username (field `password`). */
export function checkNewPassword(password: string, username: string): void {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw invalid(`A password has at least ${MIN_PASSWORD_LENGTH} characters.`, "password");
  if (password.length > 200) throw invalid("A password has at most 200 characters.", "password");
  const p = password.toLowerCase();
  const u = username.trim().toLowerCase();
  if (p === u || (u.length >= 4 && p.includes(u)))
    throw invalid("A password must not contain your username.", "password");
  if (isCommon(password))
    throw invalid(
      "That password is one of the most used, and is guessed first. Choose another: three or four random words work well.",
      "password",
    );
}
