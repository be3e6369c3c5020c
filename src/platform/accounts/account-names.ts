/** What a username and an e-mail address must look like, for every app's accounts. */
import { invalid } from "../errors.js";

export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The username trimmed, or an error on the `username` field saying what one may hold. */
export function checkedUsername(raw: string): string {
  const username = raw.trim();
  if (!/^[A-Za-z0-9._@-]{3,64}$/.test(username))
    throw invalid(
      "A username is 3 to 64 letters, digits, dots, dashes, underscores or @.",
      "username",
    );
  return username;
}

/** Refuses what is not an e-mail address, on the `email` field. */
export function checkEmail(email: string): void {
  if (!EMAIL.test(email)) throw invalid("That is not an e-mail address.", "email");
}
