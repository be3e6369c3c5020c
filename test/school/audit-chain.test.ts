/**
 * The school side's audit log is a chain like the hub's: an entry commits with the change it
 * records or neither does, nothing can be quietly changed, and `s2s mis audit verify` names the
 * first entry that no longer holds.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runCli } from "../../src/cli/program.js";
import { openDatabase } from "../../src/platform/db/database.js";
import { misConfigFromEnv } from "../../src/school/config.js";
import type { MisPrincipal } from "../../src/school/context.js";
import { enrolDue } from "../../src/school/intake.js";
import { createPupil } from "../../src/school/pupil-edits.js";
import type { MisDB, MisDb } from "../../src/school/schema.js";
import { initSchool } from "../../src/school/school.js";
import { type RunningMis, startMis } from "../../src/school/service.js";
import { createMisUser } from "../../src/school/users.js";
import { DATABASES, freshPostgresUrl } from "../helpers/db.js";

const KEY_FILE = join(tmpdir(), `s2s-mis-audit-${process.pid}.key`);

/** Makes the audit log refuse one action, as a full disk or a bug would. */
async function refuseAudit(db: MisDb, action: string) {
  await sql`alter table audit_events add constraint refuse_one check (action <> ${sql.lit(action)}) not valid`.execute(
    db,
  );
}
const allowAudit = (db: MisDb) =>
  sql`alter table audit_events drop constraint refuse_one`.execute(db);

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`the school side's audit on ${target.name}`, () => {
    let mis: RunningMis;
    let drop: (() => Promise<void>) | undefined;
    let today = "2026-09-01";
    let head: MisPrincipal;

    beforeAll(async () => {
      const dataDir = await mkdtemp(join(tmpdir(), "s2s-mis-audit-"));
      const env: Record<string, string> = { S2S_MASTER_KEY_FILE: KEY_FILE };
      if (target.name === "postgres") {
        const pg = await freshPostgresUrl();
        drop = pg.drop;
        env.MIS_DATABASE_URL = pg.url;
      }
      mis = await startMis(
        misConfigFromEnv(env, { dataDir, port: 0, pgliteTemplate: inject("misPgliteTemplate") }),
        {
          clock: () => new Date(`${today}T09:00:00Z`),
        },
      );
      await initSchool(mis.ctx, { laestab: "8231234", name: "Brookfield Primary School" });
      const made = await createMisUser(mis.ctx, null, {
        username: "head",
        email: "head@example.org",
        role: "manager",
        password: "correct horse battery staple",
      });
      head = { userId: made.id, username: "head", role: "manager" };
    }, 120_000);

    afterAll(async () => {
      await mis?.stop();
      await drop?.();
    });

    it("enrols no one whose enrolment could not be audited", async () => {
      const pupil = await createPupil(mis.ctx, head, {
        surname: "Archer",
        forename: "Bea",
        dob: "2020-05-06",
        sex: "F",
        ncYear: "R",
        admissionDate: "2026-09-03",
        status: "intake",
      });
      today = "2026-09-03";
      await refuseAudit(mis.ctx.db, "pupil.enrol");
      try {
        await expect(enrolDue(mis.ctx)).rejects.toThrow();
      } finally {
        await allowAudit(mis.ctx.db);
      }
      const still = await mis.ctx.db
        .selectFrom("pupils")
        .select("status")
        .where("id", "=", pupil.id)
        .executeTakeFirstOrThrow();
      expect(still.status).toBe("intake");
      expect(await enrolDue(mis.ctx)).toEqual([pupil.id]);
    });

    it("adds no user whose making could not be audited", async () => {
      await refuseAudit(mis.ctx.db, "user.create");
      try {
        await expect(
          createMisUser(mis.ctx, head, {
            username: "office9",
            email: "o9@example.org",
            role: "staff",
          }),
        ).rejects.toThrow();
      } finally {
        await allowAudit(mis.ctx.db);
      }
      const found = await mis.ctx.db
        .selectFrom("users")
        .select("id")
        .where("username", "=", "office9")
        .executeTakeFirst();
      expect(found).toBeUndefined();
    });

    it("refuses to change, remove or empty an entry", async () => {
      const db = mis.ctx.db;
      await expect(sql`update audit_events set action = 'nothing'`.execute(db)).rejects.toThrow(
        /append-only/,
      );
      await expect(sql`delete from audit_events`.execute(db)).rejects.toThrow(/append-only/);
      await expect(sql`truncate audit_events`.execute(db)).rejects.toThrow(/append-only/);
    });
  });
}

describe("s2s mis audit verify", () => {
  let dir: string;
  const env = { ...process.env };

  async function s2s(...args: string[]) {
    let out = "";
    const code = await runCli(args, { out: (s) => (out += s), err: (s) => (out += s) });
    return { code, out };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "s2s-mis-audit-cli-"));
    process.env.S2S_MASTER_KEY_FILE = KEY_FILE;
    delete process.env.MIS_DATABASE_URL;
    expect(
      (await s2s("mis", "init", "--data", dir, "--laestab", "8231234", "--name", "B")).code,
    ).toBe(0);
    for (const name of ["head", "office"])
      expect(
        (
          await s2s(
            "mis",
            "users",
            "create",
            "--data",
            dir,
            "--username",
            name,
            "--email",
            `${name}@example.org`,
            "--role",
            "staff",
          )
        ).code,
      ).toBe(0);
  }, 60_000);

  afterAll(() => {
    process.env = env;
  });

  it("exits 0 on an intact log, and 1 naming the first entry changed", async () => {
    const first = await s2s("school", "audit", "verify", "--data", dir);
    expect(first).toMatchObject({ code: 0 });
    expect(first.out).toMatch(/^audit log intact: 3 entries in the chain \(3 sealed just now\)/);
    const database = await openDatabase<MisDB>({ pgliteDir: join(dir, "pglite") });
    try {
      const db = database.db;
      await sql`alter table audit_events disable trigger audit_events_append_only`.execute(db);
      await db
        .updateTable("audit_events")
        .set({ username: "someone-else" })
        .where("chain_seq", "=", 2)
        .execute();
      await sql`alter table audit_events enable trigger audit_events_append_only`.execute(db);
    } finally {
      await database.close();
    }
    const second = await s2s("mis", "audit", "verify", "--data", dir);
    expect(second.code).toBe(1);
    expect(second.out).toMatch(
      /^audit log BROKEN at entry 2 of the chain \(id \d+\): its contents were changed after it was written\. The entry before it holds\./,
    );
  });
});
