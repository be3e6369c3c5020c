/**
 * Brings the schema up to date. Safe to run twice and from two processes at once: an advisory
 * lock lets one process migrate while the other waits, then finds nothing left to do.
 */
import { type Kysely, sql } from "kysely";
import { MIGRATIONS } from "./migrations/index.js";
import type { DB } from "./schema.js";

// An arbitrary key that names "S2S migrations" among advisory locks.
const LOCK_KEY = 5_252_001;

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

export async function migrate(db: Kysely<DB>): Promise<number[]> {
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${LOCK_KEY})`.execute(conn);
    try {
      await sql`create table if not exists s2s_migrations (
        id integer primary key,
        name text not null,
        applied_at timestamptz not null default now()
      )`.execute(conn);
      const done = await sql<{
        id: number;
        name: string;
      }>`select id, name from s2s_migrations`.execute(conn);
      const applied = new Set(done.rows.map((r) => Number(r.id)));
      const known = new Set(MIGRATIONS.map((m) => m.id));
      const newer = done.rows.filter((r) => !known.has(Number(r.id)));
      if (newer.length > 0) throw new NewerDatabaseError(newer.map((r) => `${r.id} ${r.name}`));
      const ran: number[] = [];
      for (const m of MIGRATIONS) {
        if (applied.has(m.id)) continue;
        await conn.transaction().execute(async (trx) => {
          await sql.raw(m.sql).execute(trx);
          await sql`insert into s2s_migrations (id, name) values (${m.id}, ${m.name})`.execute(trx);
        });
        ran.push(m.id);
      }
      return ran;
    } finally {
      await sql`select pg_advisory_unlock(${LOCK_KEY})`.execute(conn);
    }
  });
}
