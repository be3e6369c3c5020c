/**
 * Brings an app's schema up to date. Each app (the hub, the school side) has its own
 * numbered migrations, its own table recording them and its own advisory lock, so two apps may
 * share a server and never wait on each other. Safe to run twice and from two processes at once:
 * the lock lets one process migrate while the other waits, then finds nothing left to do.
 */
import { type Kysely, sql } from "kysely";

export interface Migration {
  id: number;
  name: string;
  sql: string;
}

export interface MigrationSet {
  /** The table that records which have run. */
  table: string;
  /** An arbitrary key naming this app's migrations among advisory locks. */
  lockKey: number;
  migrations: readonly Migration[];
}

/** The database has migrations this code does not know: a newer version of S2S has run on it. */
export class NewerDatabaseError extends Error {
  constructor(readonly unknown: string[]) {
    super(
      `this database was migrated by a newer version of S2S (migrations it has that this version ` +
        `does not know: ${unknown.join(", ")}). Run that version or a newer one; an older one ` +
        "could misread or damage its data.",
    );
    this.name = "NewerDatabaseError";
  }
}

export async function migrate(
  // biome-ignore lint/suspicious/noExplicitAny: migrations run raw SQL on any app's schema
  db: Kysely<any>,
  set: MigrationSet,
): Promise<number[]> {
  if (!/^[a-z][a-z0-9_]*$/.test(set.table))
    throw new Error(`not a migrations table name: ${set.table}`);
  const table = sql.table(set.table);
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${set.lockKey})`.execute(conn);
    try {
      await sql`create table if not exists ${table} (
        id integer primary key,
        name text not null,
        applied_at timestamptz not null default now()
      )`.execute(conn);
      const done = await sql<{
        id: number;
        name: string;
      }>`select id, name from ${table}`.execute(conn);
      const applied = new Set(done.rows.map((r) => Number(r.id)));
      const known = new Set(set.migrations.map((m) => m.id));
      const newer = done.rows.filter((r) => !known.has(Number(r.id)));
      if (newer.length > 0) throw new NewerDatabaseError(newer.map((r) => `${r.id} ${r.name}`));
      const ran: number[] = [];
      for (const m of set.migrations) {
        if (applied.has(m.id)) continue;
        await conn.transaction().execute(async (trx) => {
          await sql.raw(m.sql).execute(trx);
          await sql`insert into ${table} (id, name) values (${m.id}, ${m.name})`.execute(trx);
        });
        ran.push(m.id);
      }
      return ran;
    } finally {
      await sql`select pg_advisory_unlock(${set.lockKey})`.execute(conn);
    }
  });
}
