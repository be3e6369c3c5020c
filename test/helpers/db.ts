import { randomBytes } from "node:crypto";
import pg from "pg";
import { type Database, openDatabase } from "../../src/db/database.js";
import { migrate } from "../../src/db/migrate.js";

/** PostgreSQL for the tests, when the machine has one; CI always sets it. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;

export interface DatabaseTarget {
  name: "pglite" | "postgres";
  /** Opens a fresh, empty, migrated database; `drop()` removes it. */
  fresh(): Promise<{ database: Database; url?: string; drop(): Promise<void> }>;
}

const pglite: DatabaseTarget = {
  name: "pglite",
  async fresh() {
    const database = await openDatabase({});
    await migrate(database.db);
    return { database, drop: () => database.close() };
  },
};

/** A database of its own per test file, created and dropped on the test server. */
export async function freshPostgresUrl(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!TEST_DATABASE_URL) throw new Error("TEST_DATABASE_URL is not set");
  const name = `s2s_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
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
    const database = await openDatabase({ url });
    await migrate(database.db);
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
