/**
 * The audit log cannot be quietly changed: the database refuses updates, deletes and truncation,
 * and the hash chain names the first entry that no longer holds when someone with the power to
 * lift that refusal changes one anyway. `s2s hub admin audit verify` is the operator's check.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runCli } from "../../src/cli/program.js";
import { configFromEnv } from "../../src/hub/config.js";
import type { DB, Db } from "../../src/hub/schema.js";
import { startHub } from "../../src/hub/service.js";
import { createToken } from "../../src/hub/tokens.js";
import { sealAudit, verifyAudit } from "../../src/platform/audit/chain.js";
import { openDatabase } from "../../src/platform/db/database.js";
import { LOCK_KEYS } from "../../src/platform/db/lock-keys.js";
import { DATABASES } from "../helpers/db.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";

/** Changes the log as an attacker with the database owner's rights could. */
async function tamper(db: Db, change: (db: Db) => Promise<unknown>) {
  await sql`alter table audit_events disable trigger audit_events_append_only`.execute(db);
  try {
    await change(db);
  } finally {
    await sql`alter table audit_events enable trigger audit_events_append_only`.execute(db);
  }
}

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`the audit log on ${target.name}`, () => {
    let t: TestHub;
    let db: Db;

    beforeAll(async () => {
      t = await startTestHub(target.name);
      db = t.hub.ctx.db;
      for (const who of ["brookfield", "meadowlane", "northshire-la"])
        await createToken(t.hub.ctx, null, who, { label: "for the test" });
    }, 90_000);

    afterAll(async () => {
      await t?.stop();
    });

    it("refuses to change, remove or empty an entry", async () => {
      await expect(sql`update audit_events set action = 'nothing'`.execute(db)).rejects.toThrow(
        /append-only/,
      );
      await expect(sql`delete from audit_events`.execute(db)).rejects.toThrow(/append-only/);
      await expect(sql`truncate audit_events`.execute(db)).rejects.toThrow(/append-only/);
    });

    it("seals entries into a chain that verifies, and names the first one changed", async () => {
      expect(await sealAudit(db, LOCK_KEYS.auditSeal)).toBeGreaterThanOrEqual(3);
      expect(await sealAudit(db, LOCK_KEYS.auditSeal)).toBe(0);
      const intact = await verifyAudit(db);
      expect(intact).toMatchObject({ intact: true, unsealed: 0 });
      const total = intact.entries;
      // Later entries join the chain where it ends.
      await createToken(t.hub.ctx, null, "brookfield", { label: "later" });
      expect(await sealAudit(db, LOCK_KEYS.auditSeal)).toBe(1);
      expect(await verifyAudit(db)).toMatchObject({ intact: true, entries: total + 1 });

      const victim = await db
        .selectFrom("audit_events")
        .select(["id", "chain_seq"])
        .where("action", "=", "token.create")
        .orderBy("chain_seq")
        .executeTakeFirstOrThrow();
      await tamper(db, (d) =>
        d
          .updateTable("audit_events")
          .set({ username: "someone-else" })
          .where("id", "=", victim.id)
          .execute(),
      );
      expect(await verifyAudit(db)).toEqual({
        intact: false,
        entries: Number(victim.chain_seq) - 1,
        broken: {
          seq: Number(victim.chain_seq),
          id: Number(victim.id),
          why: "its contents were changed after it was written",
        },
      });
    });
  });
}

describe("s2s hub admin audit verify", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "s2s-audit-"));
    const hub = await startHub(
      configFromEnv({}, { dataDir: dir, port: 0, pgliteTemplate: inject("hubPgliteTemplate") }),
      {
        role: "web",
        demo: true,
      },
    );
    await createToken(hub.ctx, null, "brookfield");
    await createToken(hub.ctx, null, "meadowlane");
    await hub.stop();
  }, 60_000);

  async function verify() {
    let out = "";
    const code = await runCli(["hub", "admin", "audit", "verify", "--data", dir], {
      out: (s) => (out += s),
      err: (s) => (out += s),
    });
    return { code, out };
  }

  it("exits 0 on an intact log, and 1 naming the entry where a removed one was", async () => {
    const first = await verify();
    expect(first.code).toBe(0);
    expect(first.out).toMatch(
      /^audit log intact: \d+ entries in the chain \(\d+ sealed just now\)/,
    );
    const database = await openDatabase<DB>({ pgliteDir: join(dir, "pglite") });
    let removed = 0;
    try {
      await tamper(database.db, async (d) => {
        const row = await d
          .selectFrom("audit_events")
          .select("id")
          .where("chain_seq", "=", 2)
          .executeTakeFirstOrThrow();
        removed = Number(row.id);
        await d.deleteFrom("audit_events").where("id", "=", row.id).execute();
      });
    } finally {
      await database.close();
    }
    expect(removed).toBeGreaterThan(0);
    const second = await verify();
    expect(second.code).toBe(1);
    expect(second.out).toContain(
      "audit log BROKEN at entry 2 of the chain: entry 2 of the chain is missing. The entry before it holds.",
    );
  }, 60_000);
});
