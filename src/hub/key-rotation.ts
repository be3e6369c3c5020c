/**
 * Rotating the master key: every stored file's own key is re-wrapped under the new master key
 * (the files' content is not re-encrypted: each keeps its own key), and every secret sealed in
 * the database (second-factor keys) is sealed again. Each step looks first whether it is already
 * done, so a rotation that stopped part-way is finished by running it again with the same keys.
 */

import { type BlobStore, listAll } from "../platform/store/blob-store.js";
import { rewrapFileKey } from "../platform/store/encrypted-store.js";
import { type SecretBox, secretBox } from "../platform/store/secret-box.js";
import { audit } from "./audit.js";
import type { Db } from "./schema.js";

/** The purpose the hub's sealed secrets are derived for (see secret-box.ts). */
export const HUB_SECRETS = "hub accounts";

export interface KeyRotation {
  db: Db;
  /** The store under the encryption: files as they lie on disk. */
  files: BlobStore;
  from: Buffer;
  to: Buffer;
}

export interface KeyRotationReport {
  files: number;
  filesAlreadyDone: number;
  secrets: number;
}

export async function rotateMasterKey(r: KeyRotation): Promise<KeyRotationReport> {
  if (r.from.equals(r.to)) throw new Error("the new master key is the one in use");
  const report: KeyRotationReport = { files: 0, filesAlreadyDone: 0, secrets: 0 };
  for (const key of await listAll(r.files)) {
    if (await rewrapFileKey(r.files, key, r.from, r.to)) report.files++;
    else report.filesAlreadyDone++;
  }
  const before = secretBox(r.from, HUB_SECRETS);
  const after = secretBox(r.to, HUB_SECRETS);
  const users = await r.db
    .selectFrom("users")
    .select(["id", "totp_secret", "totp_pending"])
    .where((eb) => eb.or([eb("totp_secret", "is not", null), eb("totp_pending", "is not", null)]))
    .execute();
  for (const u of users) {
    const secret = resealed(u.totp_secret, before, after);
    const pending = resealed(u.totp_pending, before, after);
    if (secret === undefined && pending === undefined) continue;
    await r.db
      .updateTable("users")
      .set({
        ...(secret === undefined ? {} : { totp_secret: secret }),
        ...(pending === undefined ? {} : { totp_pending: pending }),
      })
      .where("id", "=", u.id)
      .execute();
    report.secrets += (secret === undefined ? 0 : 1) + (pending === undefined ? 0 : 1);
  }
  await audit(r.db, null, { action: "keys.rotate", detail: { ...report } });
  return report;
}

/** The secret sealed under the new key; undefined where there is none or it already is. */
function resealed(sealed: string | null, before: SecretBox, after: SecretBox): string | undefined {
  if (sealed === null) return undefined;
  try {
    after.open(sealed);
    return undefined;
  } catch {
    return after.seal(before.open(sealed));
  }
}
