import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { HUB_MIGRATIONS } from "../../src/hub/migrations/index.js";
import type { DB, HubDatabase } from "../../src/hub/schema.js";
import { openDatabase } from "../../src/platform/db/database.js";
import { migrate } from "../../src/platform/db/migrate.js";

/** PostgreSQL for the tests, when the machine has one; CI always sets it. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;

export interface DatabaseTarget {
  name: "pglite" | "postgres";
  /** Opens a fresh, empty, migrated database; `drop()` removes it. */
  fresh(): Promise<{ database: HubDatabase; url?: string; drop(): Promise<void> }>;
}

const pglite: DatabaseTarget = {
  name: "pglite",
  async fresh() {
    const database = await openDatabase<DB>({ pgliteTemplate: inject("hubPgliteTemplate") });
    await migrate(database.db, HUB_MIGRATIONS);
    return { database, drop: () => database.close() };
  },
};

/** A database of its own (per test file, or per benchmark run), created and dropped on `base`. */
export async function freshPostgresUrl(
  base = TEST_DATABASE_URL,
  prefix = "s2s_test",
): Promise<{ url: string; drop(): Promise<void> }> {
  if (!base) throw new Error("TEST_DATABASE_URL is not set");
  const server = base;
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

const postgres: DatabaseTarget = {
  name: "postgres",
  async fresh() {
    const { url, drop } = await freshPostgresUrl();
    const database = await openDatabase<DB>({ url });
    await migrate(database.db, HUB_MIGRATIONS);
    return {
      database,
      url,
      async drop() {
        await database.close();
        await drop();
      },
    };
  },
};

/** Every database the suite runs on here: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export const DATABASES: { target: DatabaseTarget; skip: boolean }[] = [
  { target: pglite, skip: false },
  { target: postgres, skip: !TEST_DATABASE_URL },
];
