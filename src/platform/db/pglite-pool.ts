/**
 * PGlite (PostgreSQL in WebAssembly) behind the narrow shape that Kysely's Postgres dialect and
 * pg-boss expect of node-postgres. PGlite is one connection, so every caller queues on one
 * mutex: a Kysely transaction holds it from BEGIN to COMMIT and nothing else can slip inside.
 */
import type { PGlite, Results } from "@electric-sql/pglite";
import { Mutex } from "./mutex.js";

export interface QueryResult {
  command: string;
  rowCount: number;
  rows: Record<string, unknown>[];
}

export interface PoolClientLike {
  query(sql: string, params?: readonly unknown[]): Promise<QueryResult>;
  release(destroy?: boolean): void;
}

function commandOf(sql: string): string {
  const m = /^\s*(?:with\b[\s\S]*?\)\s*)?([a-z]+)/i.exec(sql);
  return (m?.[1] ?? "").toUpperCase();
}

function toResult(sql: string, r: Results): QueryResult {
  return {
    command: commandOf(sql),
    rowCount: r.affectedRows ?? r.rows.length,
    rows: r.rows as Record<string, unknown>[],
  };
}

async function run(pg: PGlite, sql: string, params: readonly unknown[] = []): Promise<QueryResult> {
  if (params.length > 0) return toResult(sql, await pg.query(sql, [...params]));
  // Without parameters the text may hold several statements (migrations, pg-boss's schema),
  // which only the simple protocol, PGlite's exec, accepts.
  const results = await pg.exec(sql);
  const last = results[results.length - 1];
  return last ? toResult(sql, last) : { command: commandOf(sql), rowCount: 0, rows: [] };
}

export class PglitePool {
  private readonly mutex = new Mutex();

  constructor(readonly pg: PGlite) {}

  /** A client that holds the one connection until released. */
  async connect(): Promise<PoolClientLike> {
    const release = await this.mutex.acquire();
    let released = false;
    return {
      query: (sql, params) => run(this.pg, sql, params),
      release: () => {
        if (!released) {
          released = true;
          release();
        }
      },
    };
  }

  /** One statement on its own, queued like any other caller. */
  async query(sql: string, params: readonly unknown[] = []): Promise<QueryResult> {
    const client = await this.connect();
    try {
      return await client.query(sql, params);
    } finally {
      client.release();
    }
  }

  /** LISTEN on a channel; queued like a statement so that it never lands inside a transaction. */
  async listen(channel: string, notice: (payload: string) => void): Promise<() => Promise<void>> {
    const release = await this.mutex.acquire();
    let unlisten: () => Promise<void>;
    try {
      unlisten = await this.pg.listen(channel, notice);
    } finally {
      release();
    }
    return async () => {
      const again = await this.mutex.acquire();
      try {
        await unlisten();
      } finally {
        again();
      }
    };
  }

  async end(): Promise<void> {
    const release = await this.mutex.acquire();
    try {
      await this.pg.close();
    } finally {
      release();
    }
  }
}
