/**
 * Background work on the platform's job queue, as every app uses it: a job that fails is logged
 * by its ids and error code, never its message (which may quote a pupil), is tried again, and
 * once out of tries reaches its dead-letter kind, which is logged too: never a silence. Work that
 * runs every so often runs without a cron's minute, and more ticks do not pile up jobs.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "../../src/platform/db/database.js";
import {
  type JobKind,
  type Logger,
  startBoss,
  startTicks,
  startWorkers,
} from "../../src/platform/jobs/queue.js";
import { DATABASES, freshPostgresUrl } from "../helpers/db.js";

type Line = { level: "error" | "info"; obj: Record<string, unknown>; msg: string | undefined };

function recorder(): Logger & { lines: Line[] } {
  const lines: Line[] = [];
  return {
    lines,
    error: (obj, msg) => lines.push({ level: "error", obj: obj as Record<string, unknown>, msg }),
    info: (obj, msg) => lines.push({ level: "info", obj: obj as Record<string, unknown>, msg }),
  };
}

async function until(what: string, test: () => boolean, ms = 20_000) {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`the job queue on ${target.name}`, () => {
    const closers: (() => Promise<unknown>)[] = [];
    afterEach(async () => {
      for (let c = closers.pop(); c; c = closers.pop()) await c();
    });

    async function database(): Promise<Database<unknown>> {
      if (target.name === "pglite") {
        const d = await openDatabase<unknown>({});
        closers.push(() => d.close());
        return d;
      }
      const pg = await freshPostgresUrl();
      closers.push(pg.drop);
      const d = await openDatabase<unknown>({ url: pg.url });
      closers.push(() => d.close());
      return d;
    }

    it("logs a failing job by its ids and code, retries it, then hands it to its dead letter", async () => {
      const log = recorder();
      const tries: string[] = [];
      const buried: string[] = [];
      type Data = { id: string };
      const kinds: JobKind<null, Data>[] = [
        {
          name: "test-gave-up",
          logged: (d) => ({ thing: d.id }),
          arrival: "a test job failed every try",
          run: async (_ctx, d) => {
            buried.push(d.id);
          },
        },
        {
          name: "test-work",
          queue: { retryLimit: 2, retryDelay: 0, deadLetter: "test-gave-up" },
          pollSeconds: 0.5,
          logged: (d) => ({ thing: d.id }),
          run: async (_ctx, d) => {
            tries.push(d.id);
            throw Object.assign(new Error("Bea Archer, born 2016-05-06, will not fit"), {
              code: "TOO_BIG",
            });
          },
        },
      ];
      const db = await database();
      const { boss, stop } = await startBoss(db, log, { supervise: true, schedule: false, kinds });
      closers.push(stop);
      const wake = await startWorkers(boss, null, log, kinds);
      await boss.send("test-work", { id: "job-7" });
      wake();
      await until("the dead letter", () => buried.length > 0);
      expect(tries).toEqual(["job-7", "job-7", "job-7"]);
      expect(buried).toEqual(["job-7"]);
      const failures = log.lines.filter((l) => l.msg === "test-work failed");
      expect(failures).toHaveLength(3);
      expect(failures[0]?.obj).toMatchObject({
        job: "test-work",
        thing: "job-7",
        err: { name: "Error", code: "TOO_BIG" },
      });
      expect(log.lines).toContainEqual(
        expect.objectContaining({ msg: "a test job failed every try", level: "error" }),
      );
      expect(JSON.stringify(log.lines)).not.toMatch(/Archer|2016-05-06/);
    });

    it("runs a batch of jobs together, and fails only the one that failed", async () => {
      const log = recorder();
      const tries: string[] = [];
      const buried: string[] = [];
      let running = 0;
      let most = 0;
      type Data = { id: string };
      const kinds: JobKind<null, Data>[] = [
        {
          name: "test-batch-gave-up",
          run: async (_ctx, d) => {
            buried.push(d.id);
          },
        },
        {
          name: "test-batch",
          queue: { retryLimit: 1, retryDelay: 0, deadLetter: "test-batch-gave-up" },
          workers: 1,
          batch: 4,
          pollSeconds: 0.5,
          logged: (d) => ({ thing: d.id }),
          run: async (_ctx, d) => {
            tries.push(d.id);
            running++;
            most = Math.max(most, running);
            await new Promise((r) => setTimeout(r, 200));
            running--;
            if (d.id === "bad") throw new Error("no good");
          },
        },
      ];
      const db = await database();
      const { boss, stop } = await startBoss(db, log, { supervise: true, schedule: false, kinds });
      closers.push(stop);
      const ids = await Promise.all(
        ["a", "bad", "b", "c"].map((id) => boss.send("test-batch", { id })),
      );
      const wake = await startWorkers(boss, null, log, kinds);
      wake("test-batch");
      await until("the dead letter", () => buried.length > 0);
      // The four ran side by side; the good ones once each, the bad one again on its own.
      expect(most).toBe(4);
      expect(tries.filter((t) => t !== "bad").sort()).toEqual(["a", "b", "c"]);
      expect(tries.filter((t) => t === "bad")).toHaveLength(2);
      expect(buried).toEqual(["bad"]);
      const states = await Promise.all(
        ids.map(async (id) => (await boss.getJobById("test-batch", id as string))?.state),
      );
      expect(states).toEqual(["completed", "failed", "completed", "completed"]);
      expect(log.lines.filter((l) => l.msg === "test-batch failed")).toHaveLength(2);
    });

    it("runs work every so often, finer than a minute, without piling it up", async () => {
      const log = recorder();
      let runs = 0;
      let running = 0;
      let most = 0;
      const kinds: JobKind<null>[] = [
        {
          name: "test-every",
          every: 100,
          pollSeconds: 0.5,
          run: async () => {
            running++;
            most = Math.max(most, running);
            runs++;
            await new Promise((r) => setTimeout(r, 400));
            running--;
          },
        },
      ];
      const db = await database();
      const { boss, stop } = await startBoss(db, log, { supervise: true, schedule: false, kinds });
      closers.push(stop);
      const wake = await startWorkers(boss, null, log, kinds);
      const stopTicks = startTicks(boss, log, kinds, wake);
      closers.push(async () => stopTicks());
      await until("three runs", () => runs >= 3);
      stopTicks();
      // Each run outlasts four ticks, yet they went one at a time, and at most one waited.
      expect(most).toBe(1);
      const queued = await boss.getQueueSize("test-every");
      expect(queued).toBeLessThanOrEqual(1);
      expect(log.lines.filter((l) => l.level === "error")).toEqual([]);
    });
  });
}
