/**
 * An app's audit log as a chain, the same for every app. Entries are written plainly, in the
 * transaction of the change they record (an audited change must not wait on a lock held by every
 * other), then sealed in batches, in the order they are found committed: each gets the next
 * place, the previous entry's hash, and a hash of itself with both. Each app seals on a schedule
 * and before `audit verify` checks; a trigger in its migrations refuses to change or remove any
 * entry, so the unsealed minutes are covered too.
 */
import { createHash } from "node:crypto";
import {
  type Generated,
  type JSONColumnType,
  type Kysely,
  type Selectable,
  sql,
  type Transaction,
} from "kysely";
import type { Timestamp } from "../db/columns.js";

/** Every app's `audit_events` table (its migrations make it, with the append-only trigger). */
export interface AuditEventsTable {
  id: Generated<number>;
  at: Timestamp;
  user_id: string | null;
  username: string | null;
  /** The hub: the user's organisation; the school side: null (it is one school). */
  organisation: string | null;
  action: string;
  target: string | null;
  ip: string | null;
  detail: JSONColumnType<Record<string, unknown>, string | undefined, string>;
  /** Its place in the chain, once sealed. */
  chain_seq: number | null;
  /** The hash of the entry before it in the chain. */
  prev_hash: string | null;
  /** SHA-256 of this entry's contents, place and prev_hash. */
  hash: string | null;
}

type HasAudit = { audit_events: AuditEventsTable };
type Db = Kysely<HasAudit>;
// Kysely's types are invariant in the schema: each caller's database is narrowed to this table.
const narrow = <S extends HasAudit>(db: Kysely<S> | Transaction<S>) => db as unknown as Db;

const GENESIS = "0".repeat(64);
const BATCH = 500;

/** An entry's contents: everything but its seal. */
type EntryRow = Omit<Selectable<AuditEventsTable>, "chain_seq" | "prev_hash" | "hash">;

export function entryHash(row: EntryRow, seq: number, prev: string): string {
  const content = JSON.stringify([
    seq,
    Number(row.id),
    row.at.toISOString(),
    row.user_id,
    row.username,
    row.organisation,
    row.action,
    row.target,
    row.ip,
    row.detail,
    prev,
  ]);
  return createHash("sha256").update(content).digest("hex");
}

const COLUMNS = [
  "id",
  "at",
  "user_id",
  "username",
  "organisation",
  "action",
  "target",
  "ip",
  "detail",
] as const;

/** Seals every committed entry not yet in the chain; returns how many. `lockKey` is the app's. */
export async function sealAudit<S extends HasAudit>(
  appDb: Kysely<S>,
  lockKey: number,
): Promise<number> {
  const db = narrow(appDb);
  let sealed = 0;
  for (;;) {
    const n = await db.transaction().execute(async (trx) => {
      // One sealer at a time, across every process.
      await sql`select pg_advisory_xact_lock(${lockKey})`.execute(trx);
      const last = await trx
        .selectFrom("audit_events")
        .select(["chain_seq", "hash"])
        .where("chain_seq", "is not", null)
        .orderBy("chain_seq", "desc")
        .limit(1)
        .executeTakeFirst();
      const rows = await trx
        .selectFrom("audit_events")
        .select(COLUMNS)
        .where("hash", "is", null)
        .orderBy("id")
        .limit(BATCH)
        .execute();
      if (rows.length === 0) return 0;
      let seq = Number(last?.chain_seq ?? 0);
      let prev = last?.hash ?? GENESIS;
      const ids: number[] = [];
      const seqs: number[] = [];
      const prevs: string[] = [];
      const hashes: string[] = [];
      for (const row of rows) {
        seq++;
        const hash = entryHash(row, seq, prev);
        ids.push(Number(row.id));
        seqs.push(seq);
        prevs.push(prev);
        hashes.push(hash);
        prev = hash;
      }
      await sql`update audit_events a
        set chain_seq = v.seq, prev_hash = v.prev, hash = v.hash
        from (select unnest(${ids}::bigint[]) as id, unnest(${seqs}::bigint[]) as seq,
                     unnest(${prevs}::text[]) as prev, unnest(${hashes}::text[]) as hash) v
        where a.id = v.id`.execute(trx);
      return rows.length;
    });
    sealed += n;
    if (n < BATCH) return sealed;
  }
}

export type AuditVerdict =
  | { intact: true; entries: number; unsealed: number }
  | {
      intact: false;
      entries: number;
      /** The first entry in chain order that does not hold. */
      broken: { seq: number; id: number | null; why: string };
    };

/** Walks the chain from its start; the first entry that does not hold is named. */
export async function verifyAudit<S extends HasAudit>(appDb: Kysely<S>): Promise<AuditVerdict> {
  const db = narrow(appDb);
  let expectedSeq = 1;
  let prev = GENESIS;
  let entries = 0;
  for (;;) {
    const rows = await db
      .selectFrom("audit_events")
      .select([...COLUMNS, "chain_seq", "prev_hash", "hash"])
      .where("chain_seq", ">=", expectedSeq)
      .orderBy("chain_seq")
      .limit(1000)
      .execute();
    for (const row of rows) {
      const seq = Number(row.chain_seq);
      const id = Number(row.id);
      if (seq !== expectedSeq)
        return broken(entries, expectedSeq, null, `entry ${expectedSeq} of the chain is missing`);
      if (row.prev_hash !== prev)
        return broken(entries, seq, id, "it does not follow the entry before it");
      if (row.hash !== entryHash(row, seq, prev))
        return broken(entries, seq, id, "its contents were changed after it was written");
      prev = row.hash;
      expectedSeq++;
      entries++;
    }
    if (rows.length < 1000) break;
  }
  const unsealed = await db
    .selectFrom("audit_events")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("hash", "is", null)
    .executeTakeFirstOrThrow();
  return { intact: true, entries, unsealed: Number(unsealed.n) };
}

function broken(entries: number, seq: number, id: number | null, why: string): AuditVerdict {
  return { intact: false, entries, broken: { seq, id, why } };
}
