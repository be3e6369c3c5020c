/**
 * Stored files no transfer may refer to, kept as a list so that the orphan sweep never lists the
 * store itself (a bucket of millions of objects). A file is on the list from before it is
 * written until the row that refers to it commits, and from the change that lets it go until
 * it is deleted. A crash at any point leaves it on the list, and the sweep takes it.
 */
import type { BlobStore } from "../platform/store/blob-store.js";
import type { Db, Tx } from "./schema.js";

/** Before writing files, or in the change that lets them go: the sweep may take them. */
export async function listInFlight(db: Db | Tx, keys: string[], now: Date): Promise<void> {
  if (keys.length === 0) return;
  await db
    .insertInto("files_in_flight")
    .values(keys.map((store_key) => ({ store_key, since: now })))
    .onConflict((oc) => oc.column("store_key").doNothing())
    .execute();
}

/** In the change that makes a row refer to them: no longer the sweep's. */
export async function landed(trx: Tx, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await trx.deleteFrom("files_in_flight").where("store_key", "in", keys).execute();
}

/**
 * Deletes files let go in a change that has committed, and takes those deleted off the list. A
 * store that fails now is not the caller's to report (the change stands): the rest stay on the
 * list for the sweep. Returns how many are left.
 */
export async function deleteInFlight(
  ctx: { db: Db; store: BlobStore },
  keys: string[],
): Promise<number> {
  const gone: string[] = [];
  for (const key of keys)
    await ctx.store.delete(key).then(
      () => gone.push(key),
      () => {},
    );
  if (gone.length > 0)
    await ctx.db.deleteFrom("files_in_flight").where("store_key", "in", gone).execute();
  return keys.length - gone.length;
}
