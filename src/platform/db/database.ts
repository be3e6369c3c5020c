/**
 * The one way into the database: Kysely over PostgreSQL when a URL is given, over PGlite in the
 * data folder when not. Both return the same JavaScript types (int8 as number, date as
 * "YYYY-MM-DD", timestamptz as Date), so nothing above this file knows which it has.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { fuzzystrmatch } from "@electric-sql/pglite/contrib/fuzzystrmatch";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { CompiledQuery, Kysely, PostgresDialect, type Transaction } from "kysely";
import pg from "pg";
import { processAlive } from "../process-alive.js";
import { type Listening, listenPostgres, type NoticeHandlers } from "./listener.js";
import { PglitePool } from "./pglite-pool.js";

/** What pg-boss needs: run one statement. */
export interface SqlRunner {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

export interface Database<S> extends SqlRunner {
  kind: "pglite" | "postgres";
  db: Kysely<S>;
  /** Hears NOTIFY on a channel from every process on this database, this one included. */
  listen(channel: string, on: NoticeHandlers): Promise<Listening>;
  /**
   * Runs `work` while no other process runs work under the same key (a PostgreSQL advisory
   * lock on a connection of its own, so `work` may use the pool freely).
   */
  exclusively<T>(key: number, work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** A PostgreSQL connection string; PGlite when absent. */
  url?: string;
  /** PGlite's folder; in memory when absent. */
  pgliteDir?: string;
  /**
   * A dump of an empty PGlite cluster (`PGlite.dumpDataDir`) to start a new PGlite database from,
   * instead of creating the cluster afresh, which takes seconds: the test suite makes one per run.
   */
  pgliteTemplate?: string;
}

/** Another process holds the PGlite folder. */
export class DatabaseLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `the database in ${dir} is in use by another S2S process (pid ${pid}). PGlite is one process's ` +
        "database: stop that process first, or do admin work through the running hub's API, " +
        "or set DATABASE_URL to use PostgreSQL.",
    );
    this.name = "DatabaseLockedError";
  }
}

const DATE = 1082;
const BYTEA = 17;
const JSON_OID = 114;
const JSONB = 3802;
const INT8 = 20;

/**
 * A JSON parameter for PGlite. PGlite measures a text parameter a character at a time in
 * JavaScript (twice); long text goes faster as UTF-8 bytes in PostgreSQL's binary format, which
 * for json is the text itself and for jsonb the text after a version byte.
 */
function jsonParam(binaryPrefix: number[]) {
  const encoder = new TextEncoder();
  return (v: unknown): string => {
    // As PGlite's own: a value not yet text is written out, its bigints as numbers' text.
    const text =
      typeof v === "string"
        ? v
        : JSON.stringify(v, (_, x) => (typeof x === "bigint" ? x.toString() : x));
    if (text.length < 4096) return text;
    const bytes = new Uint8Array(binaryPrefix.length + text.length * 3);
    bytes.set(binaryPrefix);
    const { written } = encoder.encodeInto(text, bytes.subarray(binaryPrefix.length));
    // PGlite sends bytes as they are (a string it would have written as text).
    return bytes.subarray(0, binaryPrefix.length + written) as unknown as string;
  };
}

/** Runs a statement inside a Kysely transaction, for pg-boss calls that must share it. */
// biome-ignore lint/suspicious/noExplicitAny: any app's transaction
export function runnerFor(trx: Transaction<any>): SqlRunner {
  return {
    async executeSql(text, values = []) {
      const r = await trx.executeQuery(CompiledQuery.raw(text, values));
      return { rows: r.rows as Record<string, unknown>[] };
    },
  };
}

/** Opens an app's database; `S` is that app's schema (its migrations make it true). */
export async function openDatabase<S>(options: DatabaseOptions): Promise<Database<S>> {
  if (options.url !== undefined) return openPostgres<S>(options.url);
  return openPglite<S>(options.pgliteDir, options.pgliteTemplate);
}

async function openPostgres<S>(url: string): Promise<Database<S>> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") => {
        if (oid === INT8) return (v: string) => Number(v);
        if (oid === DATE) return (v: string) => v;
        return pg.types.getTypeParser(oid, format);
      }) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client that loses its server must not take the process down.
  pool.on("error", () => {});
  const listeners = new Set<Listening>();
  const db = new Kysely<S>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: "postgres",
    db,
    async executeSql(text, values = []) {
      const r = await pool.query(text, values as unknown[]);
      return { rows: r.rows };
    },
    async exclusively(key, work) {
      const client = await pool.connect();
      try {
        await client.query("select pg_advisory_lock($1)", [key]);
        try {
          return await work();
        } finally {
          await client.query("select pg_advisory_unlock($1)", [key]);
        }
      } finally {
        client.release();
      }
    },
    async listen(channel, on) {
      const listening = listenPostgres(url, channel, on);
      listeners.add(listening);
      return listening;
    },
    async close() {
      await Promise.all([...listeners].map((l) => l.close()));
      await db.destroy();
    },
  };
}

async function openPglite<S>(
  dir: string | undefined,
  template: string | undefined,
): Promise<Database<S>> {
  const unlock = dir === undefined ? () => {} : lockFolder(dir);
  try {
    // Only a database not yet made starts from the template: an existing folder keeps its data.
    const fresh = dir === undefined || !existsSync(join(dir, "PG_VERSION"));
    const loadDataDir =
      template !== undefined && fresh ? new Blob([await readFile(template)]) : undefined;
    const pglite = await PGlite.create({
      ...(dir === undefined ? {} : { dataDir: dir }),
      ...(loadDataDir ? { loadDataDir } : {}),
      extensions: { pg_trgm, fuzzystrmatch },
      parsers: {
        [DATE]: (v: string) => v,
        // As node-postgres gives it: a Buffer, decoded natively rather than a byte at a time.
        [BYTEA]: (v: string) => Buffer.from(v.slice(2), "hex"),
      },
      // PGlite writes a bytea parameter as hex text, a byte at a time in JavaScript; bytes left as
      // they are go in PostgreSQL's binary format, as node-postgres sends them.
      serializers: {
        [BYTEA]: ((v: unknown) => v) as (v: unknown) => string,
        [JSON_OID]: jsonParam([]),
        [JSONB]: jsonParam([1]),
      },
    });
    const pool = new PglitePool(pglite);
    const db = new Kysely<S>({
      dialect: new PostgresDialect({ pool: pool as unknown as pg.Pool }),
    });
    return {
      kind: "pglite",
      db,
      async executeSql(text, values = []) {
        const r = await pool.query(text, values);
        return { rows: r.rows };
      },
      // One process owns a PGlite folder (lockFolder), so there is no other process to exclude.
      exclusively: (_key, work) => work(),
      async listen(channel, on) {
        // One process owns a PGlite database, so its connection never drops under us.
        const unlisten = await pool.listen(channel, on.notice);
        on.live(true);
        return {
          async close() {
            on.live(false);
            await unlisten();
          },
        };
      },
      async close() {
        try {
          await db.destroy();
        } finally {
          unlock();
        }
      },
    };
  } catch (e) {
    unlock();
    throw e;
  }
}

/** Claims the folder for this process, or says which process has it. A dead owner's claim lapses. */
function lockFolder(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "s2s.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number(readFileSync(path, "utf8").trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new DatabaseLockedError(dir, pid);
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`cannot lock ${dir}`);
}
