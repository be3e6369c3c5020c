import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { configFromEnv } from "../../src/hub/config.js";
import { type RunningHub, startHub } from "../../src/hub/service.js";
import { createToken } from "../../src/hub/tokens.js";
import { freshPostgresUrl, TEST_DATABASE_URL } from "../helpers/db.js";
import { eventually } from "../helpers/hub.js";

const BIN = join(import.meta.dirname, "../../bin/s2s.js");

describe.skipIf(!TEST_DATABASE_URL)("several hub processes on one PostgreSQL", () => {
  let web: RunningHub;
  let workers: ChildProcess[] = [];
  // What the workers said, for a failure to show (and read as it comes, so that a full pipe
  // never stalls a worker that logs).
  let said = "";
  let drop: () => Promise<void>;
  let url: string;

  beforeAll(async () => {
    const pg = await freshPostgresUrl();
    drop = pg.drop;
    url = pg.url;
    const dataDir = await mkdtemp(join(tmpdir(), "s2s-multi-"));
    const config = configFromEnv({}, { dataDir, port: 0, databaseUrl: pg.url });
    web = await startHub(config, { role: "web", demo: true });
    // Only what a worker needs: this test process's own settings (another file's master key,
    // say) are not the web process's, and a worker with another key can open no file.
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      DATABASE_URL: pg.url,
      S2S_DATA_DIR: dataDir,
      PORT: "0",
    };
    workers = [0, 1].map(() =>
      spawn(process.execPath, [BIN, "hub", "serve", "--role", "worker"], {
        env,
        stdio: ["ignore", "pipe", "pipe"],
      }),
    );
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            let out = "";
            w.stderr?.on("data", (d) => {
              said = (said + String(d)).slice(-20_000);
            });
            w.stdout?.on("data", (d) => {
              out += String(d);
              said = (said + String(d)).slice(-20_000);
              if (out.includes("S2S hub (worker)")) resolve();
            });
            w.on("exit", (code) => reject(new Error(`worker exited ${code}: ${out}`)));
          }),
      ),
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.exitCode !== null) return resolve();
            w.on("exit", () => resolve());
            w.kill("SIGTERM");
          }),
      ),
    );
    await web?.stop();
    await drop?.();
  });

  it("checks each upload exactly once, with two worker processes and a web process", async () => {
    const { token } = await createToken(web.ctx, null, "brookfield");
    const ids: string[] = [];
    for (let i = 1; i <= 20; i++) {
      const xml = writeCtf(generateCtf({ from: "8231234", to: "9382001", pupils: 2, seed: i }));
      const name = `8231234_CTF_9382001_${String(i).padStart(3, "0")}.XML`;
      const r = await fetch(`${web.url}/api/v1/transfers?filename=${name}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/xml" },
        body: xml,
      });
      expect(r.status).toBe(202);
      ids.push(((await r.json()) as { id: string }).id);
    }
    await eventually(
      "every upload to be checked",
      async () => {
        const rows = await web.ctx.db
          .selectFrom("transfers")
          .select("status")
          .where("id", "in", ids)
          .execute();
        return rows.every((r) => r.status === "available") ? true : undefined;
      },
      60_000,
    ).catch(async (err) => {
      const jobs =
        await sql`select name, state, retry_count, count(*)::int as n from pgboss.job group by 1, 2, 3`.execute(
          web.ctx.db,
        );
      const statuses = await web.ctx.db
        .selectFrom("transfers")
        .select("status")
        .where("id", "in", ids)
        .execute();
      throw new Error(
        `${err.message}; files ${JSON.stringify(statuses.map((r) => r.status))}; jobs ${JSON.stringify(jobs.rows)}; the workers said:\n${said}`,
      );
    });
    const checks = await web.ctx.db
      .selectFrom("audit_events")
      .select(["target", "detail"])
      .where("action", "=", "transfer.checked")
      .execute();
    const perTransfer = new Map<string, number>();
    for (const c of checks)
      perTransfer.set(c.target ?? "", (perTransfer.get(c.target ?? "") ?? 0) + 1);
    expect(ids.map((id) => perTransfer.get(`transfer:${id}`))).toEqual(ids.map(() => 1));
    const pupils = await web.ctx.db
      .selectFrom("transfer_pupils")
      .select("transfer_id")
      .where("transfer_id", "in", ids)
      .execute();
    expect(pupils).toHaveLength(40);
    // The web process ran no worker: the checks came from the worker processes.
    const pids = new Set(checks.map((c) => (c.detail as { worker: number }).worker));
    expect(pids.has(process.pid)).toBe(false);
  }, 120_000);
  it("tells every process when a file waits to be checked, so a worker elsewhere wakes", async () => {
    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    const heard: string[] = [];
    listener.on("notification", (n) => heard.push(n.payload ?? ""));
    await listener.query("LISTEN s2s_changes");
    try {
      const { token } = await createToken(web.ctx, null, "brookfield");
      const xml = writeCtf(generateCtf({ from: "8231234", to: "9382001", pupils: 1, seed: 99 }));
      const r = await fetch(`${web.url}/api/v1/transfers?filename=8231234_CTF_9382001_099.XML`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/xml" },
        body: xml,
      });
      expect(r.status).toBe(202);
      const { id } = (await r.json()) as { id: string };
      // The upload's commit says so once; its check's commit (an update) says nothing more.
      await eventually("the file checked", async () => {
        const row = await web.ctx.db
          .selectFrom("transfers")
          .select("status")
          .where("id", "=", id)
          .executeTakeFirst();
        return row?.status === "available" ? true : undefined;
      });
      expect(heard.filter((h) => h === "check")).toEqual(["check"]);
    } finally {
      await listener.end();
    }
  });
});

describe.skipIf(!TEST_DATABASE_URL)("several hubs starting on one empty PostgreSQL", () => {
  it("sets it up once: one makes the demo data, the others find it", async () => {
    const pg = await freshPostgresUrl();
    const hubs: RunningHub[] = [];
    try {
      const starts = [0, 1, 2].map(async () => {
        const dataDir = await mkdtemp(join(tmpdir(), "s2s-first-"));
        const config = configFromEnv({}, { dataDir, port: 0, databaseUrl: pg.url });
        const hub = await startHub(config, { role: "web", demo: true });
        hubs.push(hub);
        return hub;
      });
      const started = await Promise.all(starts);
      const madeDemo = started.filter((h) => h.firstRun.demo !== undefined);
      expect(madeDemo).toHaveLength(1);
      const users = await started[0]?.ctx.db.selectFrom("users").select("username").execute();
      expect(users?.map((u) => u.username).sort()).toEqual(
        madeDemo[0]?.firstRun.demo?.map((d) => d.username).sort(),
      );
    } finally {
      for (const h of hubs) await h.stop();
      await pg.drop();
    }
  }, 120_000);
});
