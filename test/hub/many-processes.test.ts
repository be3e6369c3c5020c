/**
 * The hub as a national service runs: two web and two worker processes, each with a data
 * folder of its own, sharing only PostgreSQL, an S3 bucket, the master key and the mail server.
 * A file sent through one web process is downloaded through the other; a session works on
 * either; 200 uploads arrive exactly once each while a worker is killed (SIGKILL), a web process
 * is killed in the middle of requests, and the other web process is restarted, the client
 * retrying each refused or lost request with its Idempotency-Key; no mail goes twice; and each
 * tick of the retention schedule runs once.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import type { DB } from "../../src/hub/schema.js";
import { freshPostgresUrl, TEST_DATABASE_URL } from "../helpers/db.js";
import { eventually } from "../helpers/hub.js";
import { type HubProcess, S2S_BIN, startHubProcess, stopProcess } from "../helpers/hub-process.js";
import { startTestS3, type TestS3 } from "../helpers/s3.js";
import { TestSmtp } from "../helpers/smtp.js";

const UPLOADS = 200;

describe.skipIf(!TEST_DATABASE_URL)(
  "two web and two worker processes, a bucket, PostgreSQL",
  () => {
    let drop: () => Promise<void>;
    let s3: TestS3;
    let smtp: TestSmtp;
    let env: Record<string, string>;
    let db: Kysely<DB>;
    const webs: HubProcess[] = [];
    const workers: HubProcess[] = [];
    const all: ChildProcess[] = [];
    // What the processes said, for a failure to show (read as it comes: a full pipe stalls one).
    let said = "";
    const tokens: Record<string, string> = {};
    // Requests lost with a process (refused, reset), and answered "in progress" (a key held).
    const retries = { lost: 0, held: 0 };

    /** A hub process of `role`, with a data folder of its own; resolves once it serves. */
    async function start(role: "web" | "worker", extra: string[] = []): Promise<HubProcess> {
      const dataDir = await mkdtemp(join(tmpdir(), `s2s-many-${role}-`));
      const proc = await startHubProcess({ ...env, S2S_DATA_DIR: dataDir }, role, extra, (t) => {
        said = (said + t).slice(-20_000);
      });
      all.push(proc.child);
      return proc;
    }

    const stopped = stopProcess;

    /** The operator's command line, on the shared database. */
    async function cli(...argv: string[]): Promise<string> {
      const dataDir = await mkdtemp(join(tmpdir(), "s2s-many-cli-"));
      const child = spawn(process.execPath, [S2S_BIN, ...argv], {
        env: { ...env, S2S_DATA_DIR: dataDir },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout?.on("data", (d) => {
        out += String(d);
      });
      child.stderr?.on("data", (d) => {
        said += String(d);
      });
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      if (code !== 0) throw new Error(`s2s ${argv.join(" ")} exited ${code}: ${said}`);
      return out.trim();
    }

    /**
     * A client behind a load balancer: each request goes to a web process that answers, and one
     * that fails (refused, reset, 5xx, or a key still held by a request in flight) is sent again,
     * to the next, with the same Idempotency-Key.
     */
    async function send(i: number): Promise<string> {
      const xml = writeCtf(
        generateCtf({ from: "8231234", to: "9382001", pupils: 2, seed: 1000 + i }),
      );
      const name = `8231234_CTF_9382001_${String(i).padStart(3, "0")}.XML`;
      const key = randomUUID();
      const deadline = Date.now() + 120_000;
      for (let attempt = i; Date.now() < deadline; attempt++) {
        const web = webs[attempt % webs.length] as HubProcess;
        try {
          const r = await fetch(`${web.url}/api/v1/transfers?filename=${name}`, {
            method: "POST",
            headers: {
              authorization: `Bearer ${tokens.brookfield}`,
              "content-type": "application/xml",
              "idempotency-key": key,
            },
            body: xml,
            signal: AbortSignal.timeout(20_000),
          });
          const body = (await r.json()) as { id?: string; error?: { code: string } };
          if (r.status === 202 && body.id) return body.id;
          if (body.error?.code === "idempotency.in-progress") retries.held++;
          const retry = r.status >= 500 || body.error?.code === "idempotency.in-progress";
          if (!retry) throw new Error(`upload ${i} answered ${r.status} ${JSON.stringify(body)}`);
        } catch (e) {
          if ((e as Error).message.startsWith("upload ")) throw e;
          // Refused or reset: that process is down. The next attempt goes elsewhere.
          retries.lost++;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      throw new Error(`upload ${i} never answered`);
    }

    beforeAll(async () => {
      const database = await freshPostgresUrl();
      drop = database.drop;
      s3 = await startTestS3();
      smtp = new TestSmtp();
      const smtpUrl = await smtp.start();
      env = {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        DATABASE_URL: database.url,
        S2S_MASTER_KEY_FILE: join(await mkdtemp(join(tmpdir(), "s2s-many-key-")), "master.key"),
        SMTP_URL: smtpUrl,
        PORT: "0",
        S2S_UPLOADS_IN_FLIGHT: String(UPLOADS * 2),
        // Each minute rather than each ten: the test sees a tick that two workers both watch.
        S2S_RETENTION_CRON: "* * * * *",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        ...s3.env,
      };
      // The first sets up the database and the demo's users; the rest find them.
      webs.push(await start("web", ["--demo"]));
      webs.push(await start("web"));
      workers.push(...(await Promise.all([start("worker"), start("worker")])));
      db = new Kysely<DB>({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url }) }),
      });
      for (const username of ["brookfield", "meadowlane"])
        tokens[username] = await cli("hub", "admin", "tokens", "create", "--username", username);
    }, 180_000);

    afterAll(async () => {
      await Promise.all(all.map((child) => stopped(child, "SIGTERM")));
      await db?.destroy();
      await smtp?.stop();
      await s3?.stop();
      await drop?.();
    });

    it("downloads through one web process a file sent through the other, and keeps a session on both", async () => {
      const [a, b] = webs as [HubProcess, HubProcess];
      const xml = writeCtf(generateCtf({ from: "8231234", to: "9382001", pupils: 3, seed: 7 }));
      const sent = await fetch(`${a.url}/api/v1/transfers?filename=8231234_CTF_9382001_900.XML`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${tokens.brookfield}`,
          "content-type": "application/xml",
        },
        body: xml,
      });
      expect(sent.status).toBe(202);
      const { id } = (await sent.json()) as { id: string };
      const meadow = { authorization: `Bearer ${tokens.meadowlane}` };
      await eventually("the file to be checked", async () => {
        const r = await fetch(`${b.url}/api/v1/transfers/${id}`, { headers: meadow });
        return ((await r.json()) as { status: string }).status === "available" ? true : undefined;
      });
      expect(
        (await fetch(`${b.url}/api/v1/transfers/${id}/accept`, { method: "POST", headers: meadow }))
          .status,
      ).toBe(200);
      const got = await fetch(`${b.url}/api/v1/transfers/${id}/content`, { headers: meadow });
      expect(Buffer.from(await got.arrayBuffer()).equals(Buffer.from(xml))).toBe(true);

      // Signed in on one, the same cookie is a session on the other.
      const session = await fetch(`${a.url}/api/v1/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "meadowlane", password: "demo-password-only" }),
      });
      expect(session.status).toBe(200);
      const cookie =
        session.headers
          .getSetCookie()
          .map((c) => c.split(";")[0] ?? "")
          .find((c) => c.startsWith("s2s_session=")) ?? "";
      expect(cookie).not.toBe("");
      const inbox = await fetch(`${b.url}/api/v1/inbox`, { headers: { cookie } });
      expect(inbox.status).toBe(200);
      const home = await fetch(`${b.url}/`, { headers: { cookie }, redirect: "manual" });
      expect(home.status).toBe(200);
      expect(await home.text()).toContain("Meadow Lane Primary School");
    }, 120_000);

    it("takes 200 uploads exactly once through a killed worker, a killed web process and a restart", async () => {
      const ids: string[] = new Array(UPLOADS);
      let next = 1;
      let started = 0;
      const events: Promise<void>[] = [];
      // Eight clients at once; the processes fail while they send.
      const client = async () => {
        while (next <= UPLOADS) {
          const i = next++;
          started++;
          if (started === 40) events.push(stopped((workers[0] as HubProcess).child, "SIGKILL"));
          if (started === 80) {
            const b = webs[1] as HubProcess;
            events.push(
              stopped(b.child, "SIGKILL").then(async () => {
                // Back on the same address, as a process manager restarts it.
                webs[1] = await start("web", ["--port", String(b.port)]);
              }),
            );
          }
          if (started === 150) {
            const a = webs[0] as HubProcess;
            // A rolling restart: stopped politely, then started again.
            events.push(
              stopped(a.child, "SIGTERM").then(async () => {
                webs[0] = await start("web", ["--port", String(a.port)]);
              }),
            );
          }
          ids[i - 1] = await send(i);
        }
      };
      await Promise.all(Array.from({ length: 8 }, client));
      await Promise.all(events);
      expect(new Set(ids).size).toBe(UPLOADS);
      // The failures happened while requests were on their way, and were sent again.
      expect(retries.lost).toBeGreaterThan(0);

      await eventually(
        "every upload to be checked",
        async () => {
          const rows = await db
            .selectFrom("transfers")
            .select("status")
            .where("id", "in", ids)
            .execute();
          return rows.length === UPLOADS && rows.every((r) => r.status === "available")
            ? true
            : undefined;
        },
        150_000,
      ).catch(async (err) => {
        const jobs =
          await sql`select name, state, retry_count, count(*)::int as n from pgboss.job group by 1, 2, 3`.execute(
            db,
          );
        throw new Error(`${err.message}; jobs ${JSON.stringify(jobs.rows)}; said:\n${said}`);
      });
      // One transfer per upload, however often a request was sent again.
      const sent = await db
        .selectFrom("transfers")
        .select(({ fn }) => fn.countAll<string>().as("n"))
        .where("file_name", "like", "8231234_CTF_9382001_%")
        .where("file_name", "!=", "8231234_CTF_9382001_900.XML")
        .executeTakeFirstOrThrow();
      expect(Number(sent.n)).toBe(UPLOADS);
      // Each checked once, by a worker process (some by the one that was not killed).
      const checks = await db
        .selectFrom("audit_events")
        .select(["target", "detail"])
        .where("action", "=", "transfer.checked")
        .where(
          "target",
          "in",
          ids.map((id) => `transfer:${id}`),
        )
        .execute();
      expect(checks).toHaveLength(UPLOADS);
      expect(new Set(checks.map((c) => c.target)).size).toBe(UPLOADS);
      // Every file's mail to Meadow Lane sent, and none twice. A message the killed worker was
      // handing over when it died may have gone: it waits out its lease before it goes again.
      await eventually(
        "the mail to go",
        async () => {
          const left = await db
            .selectFrom("mail_outbox")
            .select("sending_since")
            .where("sent_at", "is", null)
            .execute();
          return left.length <= 1 && left.every((m) => m.sending_since !== null) ? true : undefined;
        },
        60_000,
      ).catch(async (err) => {
        const left = await db
          .selectFrom("mail_outbox")
          .select(["sending_since", "attempts", "last_error", "next_attempt_at"])
          .where("sent_at", "is", null)
          .execute();
        throw new Error(`${err.message}: ${left.length} left, ${JSON.stringify(left.slice(0, 3))}`);
      });
      const messageIds = smtp.received.map((m) => m.messageId);
      expect(new Set(messageIds).size).toBe(messageIds.length);
      // Only uploads cut off with the killed web process left a file on the sweep's list.
      const inFlight = await db.selectFrom("files_in_flight").select("store_key").execute();
      const orphans = inFlight.length;
      expect(orphans).toBeLessThanOrEqual(8);
    }, 400_000);

    it("runs each tick of the retention schedule once across the processes", async () => {
      // One schedule, however many workers registered it.
      const schedules = await sql<{ n: number }>`
        select count(*)::int as n from pgboss.schedule where name = 'retention'`.execute(db);
      expect(schedules.rows[0]?.n).toBe(1);
      const runs = () =>
        sql<{ minute: string; state: string }>`
          select date_trunc('minute', created_on)::text as minute, state::text as state
          from pgboss.job where name = 'retention'`.execute(db);
      await eventually(
        "a retention tick to run",
        async () => ((await runs()).rows.some((r) => r.state === "completed") ? true : undefined),
        150_000,
      );
      const ticks = (await runs()).rows;
      expect(new Set(ticks.map((t) => t.minute)).size).toBe(ticks.length);
      expect(ticks.filter((t) => t.state === "failed")).toEqual([]);
    }, 200_000);
  },
);
