/**
 * Secrets that open an account (session cookies, API tokens, sign-in links) are stored only as
 * SHA-256, so a copy of a database opens no account.
 */
import { createHash, randomBytes } from "node:crypto";

export const sha256 = (s: string | Uint8Array) => createHash("sha256").update(s).digest("hex");
export const newSecret = (prefix: string) => `${prefix}${randomBytes(32).toString("base64url")}`;
