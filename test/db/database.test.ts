import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HUB_MIGRATIONS, MIGRATIONS } from "../../src/hub/migrations/index.js";
import type { DB, HubDatabase } from "../../src/hub/schema.js";
import { DatabaseLockedError, openDatabase } from "../../src/platform/db/database.js";
import { migrate, NewerDatabaseError } from "../../src/platform/db/migrate.js";
import { DATABASES, freshPostgresUrl, TEST_DATABASE_URL } from "../helpers/db.js";

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`database on ${target.name}`, () => {
    let database: HubDatabase;
    let drop: () => Promise<void>;
    beforeAll(async () => {
      ({ database, drop } = await target.fresh());
    });
    afterAll(() => drop?.());

    it("migrates once; a second run finds nothing to do", async () => {
      expect(await migrate(database.db, HUB_MIGRATIONS)).toEqual([]);
      const rows = await sql<{ id: number }>`select id from s2s_migrations order by id`.execute(
        database.db,
      );
      expect(rows.rows.map((r) => Number(r.id))).toEqual(MIGRATIONS.map((m) => m.id));
    });

    it("refuses a database migrated by newer code, saying so", async () => {
      await sql`insert into s2s_migrations (id, name) values (9999, 'from-the-future')`.execute(
        database.db,
      );
      try {
        await expect(migrate(database.db, HUB_MIGRATIONS)).rejects.toThrow(NewerDatabaseError);
        await expect(migrate(database.db, HUB_MIGRATIONS)).rejects.toThrow(
          /newer version of S2S.*9999/,
        );
      } finally {
        await sql`delete from s2s_migrations where id = 9999`.execute(database.db);
      }
      expect(await migrate(database.db, HUB_MIGRATIONS)).toEqual([]);
    });

    it("keeps another app's migrations in a table and lock of their own", async () => {
      const other = {
        table: "other_app_migrations",
        lockKey: 5_252_099,
        migrations: [{ id: 1, name: "things", sql: "create table other_app_things (id int)" }],
      };
      expect(await migrate(database.db, other)).toEqual([1]);
      expect(await migrate(database.db, other)).toEqual([]);
      // Neither set mistakes the other's rows for migrations of a newer version.
      expect(await migrate(database.db, HUB_MIGRATIONS)).toEqual([]);
      const rows = await sql<{ id: number }>`select id from other_app_migrations`.execute(
        database.db,
      );
      expect(rows.rows.map((r) => Number(r.id))).toEqual([1]);
    });

    it("returns the same types on either database", async () => {
      const r = await sql<{ n: number; d: string; t: Date; j: unknown }>`
        select count(*) as n, '2020-01-02'::date as d, now() as t, '{"a":1}'::jsonb as j`.execute(
        database.db,
      );
      expect(r.rows[0]).toEqual({ n: 1, d: "2020-01-02", t: expect.any(Date), j: { a: 1 } });
    });

    it("takes bytes as bytes and gives them back, every byte value, on either database", async () => {
      const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 256);
      const r = await sql<{ b: Uint8Array; n: number; first: number; last: number }>`
        select ${bytes}::bytea as b, length(${bytes}::bytea) as n,
          get_byte(${bytes}::bytea, 0) as first, get_byte(${bytes}::bytea, 69999) as last`.execute(
        database.db,
      );
      const row = r.rows[0];
      // The database saw the bytes (not their text), and the caller gets a Buffer back.
      expect({ n: Number(row?.n), first: row?.first, last: row?.last }).toEqual({
        n: 70_000,
        first: 0,
        last: (69_999 * 7919) % 256,
      });
      expect(Buffer.isBuffer(row?.b)).toBe(true);
      expect(Buffer.compare(row?.b as Buffer, Buffer.from(bytes))).toBe(0);
    });

    it("keeps long JSON text intact, any characters, as json and as jsonb", async () => {
      // Long enough for PGlite to take it as bytes rather than text (database.ts).
      const value = {
        names: Array.from({ length: 400 }, (_, i) => `Ó Briain-Łukasz 😀 ${i} "quoted" \\ \n`),
        nested: { z: [1, 2.5, null, true], a: "ß" },
      };
      const text = JSON.stringify(value);
      expect(text.length).toBeGreaterThan(4096);
      const r = await sql<{ j: unknown; b: unknown; same: boolean }>`
        select ${text}::json as j, ${text}::jsonb as b,
          ${text}::jsonb = ${JSON.stringify({ ...value })}::jsonb as same`.execute(database.db);
      expect(r.rows[0]).toEqual({ j: value, b: value, same: true });
    });

    it("keeps a transaction's work from others until it commits", async () => {
      await database.db
        .insertInto("local_authorities")
        .values({ code: "999", name: "Before", email: null })
        .execute();
      let inside!: () => void;
      const gate = new Promise<void>((resolve) => {
        inside = resolve;
      });
      const trx = database.db.transaction().execute(async (t) => {
        await t
          .updateTable("local_authorities")
          .set({ name: "During" })
          .where("code", "=", "999")
          .execute();
        inside();
        await new Promise((resolve) => setTimeout(resolve, 50));
        await t
          .updateTable("local_authorities")
          .set({ name: "After" })
          .where("code", "=", "999")
          .execute();
      });
      await gate;
      const seen = await database.db
        .selectFrom("local_authorities")
        .select("name")
        .where("code", "=", "999")
        .executeTakeFirstOrThrow();
      await trx;
      expect(["Before", "After"]).toContain(seen.name);
      const after = await database.db
        .selectFrom("local_authorities")
        .select("name")
        .where("code", "=", "999")
        .executeTakeFirstOrThrow();
      expect(after.name).toBe("After");
    });
  });
}

describe("PGlite in a data folder", () => {
  it("refuses a second process's claim with a message that says what to do", async () => {
    const dir = await mkdtemp(join(tmpdir(), "s2s-db-"));
    const first = await openDatabase<DB>({ pgliteDir: join(dir, "pglite") });
    await migrate(first.db, HUB_MIGRATIONS);
    await first.close();
    // Pretend a live process (this test runner's parent) holds the folder.
    const { writeFile } = await import("node:fs/promises");
    await writeFile(join(dir, "pglite", "s2s.lock"), String(process.ppid));
    const err = await openDatabase<DB>({ pgliteDir: join(dir, "pglite") }).catch((e) => e);
    expect(err).toBeInstanceOf(DatabaseLockedError);
    expect(err.message).toMatch(/in use by another S2S process .*stop that process first/);
    // A claim left by a process that has died lapses, and the data is still there.
    await writeFile(join(dir, "pglite", "s2s.lock"), "999999999");
    const again = await openDatabase<DB>({ pgliteDir: join(dir, "pglite") });
    expect(await migrate(again.db, HUB_MIGRATIONS)).toEqual([]);
    await again.close();
  }, 60_000);
});

describe.skipIf(!process.env.TEST_DATABASE_URL)("PostgreSQL shared by two processes", () => {
  it("migrates from two connections at once without error, each migration once", async () => {
    const { url, drop } = await freshPostgresUrl();
    const a = await openDatabase<DB>({ url });
    const b = await openDatabase<DB>({ url });
    try {
      const [ra, rb] = await Promise.all([
        migrate(a.db, HUB_MIGRATIONS),
        migrate(b.db, HUB_MIGRATIONS),
      ]);
      expect([...ra, ...rb].sort((x, y) => x - y)).toEqual(MIGRATIONS.map((m) => m.id));
    } finally {
      await a.close();
      await b.close();
      await drop();
    }
  });
});

describe("migration 8 on a database that already holds duplicates", () => {
  it("keeps every copy, marks the later ones, and from then on allows one on its way", async () => {
    const pg = TEST_DATABASE_URL ? await freshPostgresUrl() : undefined;
    const database = await openDatabase<DB>(pg ? { url: pg.url } : {});
    try {
      await migrate(database.db, { ...HUB_MIGRATIONS, migrations: MIGRATIONS.slice(0, 7) });
      await sql`insert into establishments (laestab, name, la_code, la_name, updated_at)
        values ('8231234', 'A', '823', 'N', now())`.execute(database.db);
      const user = await sql<{ id: string }>`insert into users (username, email, role,
        establishment, password_hash) values ('u', 'u@x.invalid', 'school', '8231234', 'x')
        returning id`.execute(database.db);
      const copy = (at: string) => sql`insert into transfers (file_name, source_laestab,
        dest_laestab, dest_kind, sequence, status, sender_user_id, size_bytes, sha256, created_at)
        values ('f', '8231234', '9382001', 'school', 1, 'available', ${user.rows[0]?.id}, 1, 'same',
        ${at}::timestamptz)`;
      await copy("2026-01-01T00:00:00Z").execute(database.db);
      await copy("2026-01-02T00:00:00Z").execute(database.db);
      expect(
        await migrate(database.db, { ...HUB_MIGRATIONS, migrations: MIGRATIONS.slice(0, 8) }),
      ).toEqual([8]);
      const rows = await sql<{ marked: boolean }>`select sent_before_duplicate_rule as marked
        from transfers order by created_at`.execute(database.db);
      expect(rows.rows.map((r) => r.marked)).toEqual([false, true]);
      await expect(copy("2026-01-03T00:00:00Z").execute(database.db)).rejects.toThrow(/unique/);
    } finally {
      await database.close();
      await pg?.drop();
    }
  });
});
