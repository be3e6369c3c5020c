/**
 * Small secrets kept in a database (second-factor keys, a school's hub token) sealed with
 * AES-256-GCM under a key derived from the master key, so a copy of the database alone opens
 * nothing. Each app derives its own key by naming its purpose.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";

export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
  /**
   * A keyed digest of a value that must not be kept, only recognised (a search's criteria): the
   * same value always gives the same digest, which without the master key tells nothing.
   */
  digest(value: string): string;
}

const VERSION = "v1";

export function secretBox(masterKey: Buffer, purpose: string): SecretBox {
  const key = createHmac("sha256", masterKey).update(`s2s secret box: ${purpose}`).digest();
  const digestKey = createHmac("sha256", masterKey).update(`s2s digests: ${purpose}`).digest();
  return {
    digest(value) {
      return `h1:${createHmac("sha256", digestKey).update(value.trim().toLowerCase()).digest("base64url")}`;
    },
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return [VERSION, iv, cipher.getAuthTag(), body].map(encode).join(".");
    },
    open(sealed) {
      const [version, iv, tag, body] = sealed.split(".");
      if (version !== VERSION || !iv || !tag || body === undefined)
        throw new Error("not a sealed secret");
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([
        decipher.update(Buffer.from(body, "base64url")),
        decipher.final(),
      ]).toString("utf8");
    },
  };
}

function encode(part: string | Buffer): string {
  return typeof part === "string" ? part : part.toString("base64url");
}
