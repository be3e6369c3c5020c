/**
 * The school side's first steps: set up a school, its users and tokens, a register of generated
 * pupils, and the API to find a pupil and read the whole record, on both databases.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runCli } from "../../src/cli/program.js";
import { misConfigFromEnv } from "../../src/school/config.js";
import { type RunningMis, startMis } from "../../src/school/service.js";
import { DATABASES, freshPostgresUrl } from "../helpers/db.js";
import { json } from "../helpers/hub.js";

// Outside every data folder, as production requires.
const KEY_FILE = join(tmpdir(), `s2s-mis-test-${process.pid}.key`);

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`the school side's register on ${target.name}`, () => {
    let dir: string;
    let env: Record<string, string>;
    let mis: RunningMis;
    let token: string;
    let drop: (() => Promise<void>) | undefined;

    /** The CLI as a user runs it, with this test's key and database. */
    async function s2s(...argv: string[]) {
      let out = "";
      let err = "";
      const before = { ...process.env };
      Object.assign(process.env, env);
      try {
        const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t) });
        return { code, out, err };
      } finally {
        for (const k of Object.keys(env)) if (before[k] === undefined) delete process.env[k];
        Object.assign(process.env, before);
      }
    }

    const api = (path: string, bearer = token) =>
      fetch(`${mis.url}${path}`, { headers: { authorization: `Bearer ${bearer}` } });

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "s2s-mis-"));
      env = { S2S_MASTER_KEY_FILE: KEY_FILE };
      if (target.name === "postgres") {
        const pg = await freshPostgresUrl();
        drop = pg.drop;
        env.MIS_DATABASE_URL = pg.url;
      }
    }, 60_000);

    afterAll(async () => {
      await mis?.stop();
      await drop?.();
    });

    it("sets up a school, a manager, a token and a demo register from the command line", async () => {
      // Without a key kept apart from the data (and not a demo), nothing is set up.
      const kept = env;
      env = { S2S_MASTER_KEY_FILE: "", S2S_MASTER_KEY: "" };
      const noKey = await s2s("mis", "init", "--data", dir, "--laestab", "8231234", "--name", "X");
      env = kept;
      expect(noKey.code).toBe(2);
      expect(noKey.err).toContain("no master key: set S2S_MASTER_KEY");
      const bad = await s2s("mis", "init", "--data", dir, "--laestab", "82312", "--name", "X");
      expect(bad.code).toBe(1);
      expect(bad.err).toContain("7 digits");
      const init = await s2s(
        "mis",
        "init",
        "--data",
        dir,
        "--laestab",
        "8231234",
        "--name",
        "Brookfield Primary School",
      );
      expect(init).toMatchObject({ code: 0, out: expect.stringContaining("set up Brookfield") });
      const other = await s2s("mis", "init", "--data", dir, "--laestab", "9382001", "--name", "Y");
      expect(other.code).toBe(1);
      expect(other.err).toContain("set up for 8231234");
      const role = await s2s(
        "mis",
        "users",
        "create",
        "--data",
        dir,
        "--username",
        "office1",
        "--role",
        "head",
        "--email",
        "o@example.org",
      );
      expect(role.code).toBe(2);
      const made = await s2s(
        "mis",
        "users",
        "create",
        "--data",
        dir,
        "--username",
        "office1",
        "--role",
        "manager",
        "--email",
        "o@example.org",
        "--totp-secret",
        "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
        "--no-change-at-sign-in",
      );
      expect(made.code).toBe(0);
      // A key that is not base32 is refused, naming what it must be; no user is made.
      const badKey = await s2s(
        "mis",
        "users",
        "create",
        "--data",
        dir,
        "--username",
        "office9",
        "--role",
        "manager",
        "--email",
        "o9@example.org",
        "--totp-secret",
        "not-a-key!",
      );
      expect(badKey.code).toBe(1);
      expect(badKey.err + badKey.out).toContain("A TOTP secret is base32");
      const noToken = await s2s("mis", "tokens", "create", "--data", dir, "--username", "office9");
      expect(noToken.code).toBe(1);
      expect(made.out).toMatch(/password: \S{12,}/);
      const tokens = await s2s("mis", "tokens", "create", "--data", dir, "--username", "office1");
      expect(tokens.code).toBe(0);
      expect(tokens.out).toMatch(/^s2s_mis_[A-Za-z0-9_-]+\n$/);
      token = tokens.out.trim();
      const demo = await s2s("mis", "demo", "--data", dir, "--pupils", "120");
      expect(demo).toMatchObject({ code: 0, out: "added 120 generated pupils, on roll\n" });
      mis = await startMis(
        misConfigFromEnv(env, {
          dataDir: dir,
          port: 0,
          pgliteTemplate: inject("misPgliteTemplate"),
        }),
      );
    }, 90_000);

    it("finds pupils by surname and forename, by UPN, by status, a page at a time", async () => {
      const all = await json(await api("/api/v1/pupils"));
      expect(all.total).toBe(120);
      expect(all.pupils).toHaveLength(50);
      const names = all.pupils.map((p: { surname: string }) => p.surname.toLowerCase());
      expect(names).toEqual([...names].sort());
      const third = await json(await api("/api/v1/pupils?page=3"));
      expect(third.pupils).toHaveLength(20);
      const one = all.pupils[7];
      expect(one).toMatchObject({ status: "onroll", ncYear: expect.any(String) });
      const byUpn = await json(await api(`/api/v1/pupils?q=${one.upn.toLowerCase()}`));
      expect(byUpn.pupils.map((p: { id: string }) => p.id)).toEqual([one.id]);
      const words = `${one.surname.slice(0, 3)} ${one.forename.slice(0, 2)}`;
      const byName = await json(await api(`/api/v1/pupils?q=${encodeURIComponent(words)}`));
      expect(byName.pupils.map((p: { id: string }) => p.id)).toContain(one.id);
      for (const p of byName.pupils) {
        expect(
          p.surname.toLowerCase().startsWith(words.split(" ")[0]?.toLowerCase()) ||
            p.forename.toLowerCase().startsWith(words.split(" ")[0]?.toLowerCase()),
        ).toBe(true);
      }
      expect((await json(await api("/api/v1/pupils?status=left"))).total).toBe(0);
      const inYear = await json(await api(`/api/v1/pupils?year=${one.ncYear}`));
      expect(inYear.total).toBeGreaterThan(0);
      expect(inYear.pupils.every((p: { ncYear: string }) => p.ncYear === one.ncYear)).toBe(true);
      const inGroup = await json(
        await api(`/api/v1/pupils?group=${one.regGroup.toLowerCase()}&year=${one.ncYear}`),
      );
      expect(inGroup.pupils.map((p: { id: string }) => p.id)).toContain(one.id);
      expect(inGroup.pupils.every((p: { regGroup: string }) => p.regGroup === one.regGroup)).toBe(
        true,
      );
      const badStatus = await api("/api/v1/pupils?status=gone");
      expect(badStatus.status).toBe(400);
      expect((await json(badStatus)).error.field).toBe("status");
    });

    it("gives a pupil's whole record with every area as an array, and audits the reading", async () => {
      const [first] = (await json(await api("/api/v1/pupils?q=&page=1"))).pupils;
      const r = await api(`/api/v1/pupils/${first.id}`);
      expect(r.status).toBe(200);
      expect(r.headers.get("cache-control")).toBe("no-store");
      const p = await json(r);
      expect(p).toMatchObject({
        id: first.id,
        upn: first.upn,
        surname: first.surname,
        status: "onroll",
        regGroup: expect.stringMatching(/^\d+[ABC]$/),
        admissionDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        leaving: null,
        preferredSurname: first.surname,
      });
      for (const area of [
        "contacts",
        "addresses",
        "languages",
        "attendance",
        "assessments",
        "senHistory",
        "fsmHistory",
        "schoolHistory",
      ])
        expect(Array.isArray(p[area]), area).toBe(true);
      expect(p.contacts.length).toBeGreaterThan(0);
      expect(p.addresses[0].bs7666.paon).toMatch(/^ {0,3}\d{1,3} {6}$/);
      expect(JSON.stringify(p)).not.toContain("readOrder");
      expect((await api("/api/v1/pupils/00000000-0000-0000-0000-000000000000")).status).toBe(404);
      expect((await api(`/api/v1/pupils/${first.id}`, "s2s_mis_wrong")).status).toBe(401);
      expect((await fetch(`${mis.url}/api/v1/pupils`)).status).toBe(401);
      const audit = await mis.ctx.db
        .selectFrom("audit_events")
        .select(["username", "action", "target", "detail"])
        .where("action", "in", ["pupil.view", "pupils.search"])
        .execute();
      expect(audit).toContainEqual(
        expect.objectContaining({
          username: "office1",
          action: "pupil.view",
          target: `pupil:${first.id}`,
        }),
      );
      // A search is recorded by what was asked, never by its words.
      const searches = audit.filter((a) => a.action === "pupils.search");
      expect(searches.length).toBeGreaterThan(3);
      expect(JSON.stringify(searches)).not.toContain(first.surname);
    });

    it("adds a pupil by hand and edits the core details, refusing what is wrong, auditing which fields changed", async () => {
      const send = (path: string, method: string, body: unknown) =>
        fetch(`${mis.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      const bad = await send("/api/v1/pupils", "POST", {
        surname: "Quennell",
        forename: "Ada",
        dob: "2019-02-30",
        sex: "F",
      });
      expect(bad.status).toBe(400);
      expect((await json(bad)).error.field).toBe("dob");
      const wrongUpn = await send("/api/v1/pupils", "POST", {
        upn: "Z801200001001",
        surname: "Quennell",
        forename: "Ada",
        dob: "2019-02-03",
        sex: "F",
      });
      expect((await json(wrongUpn)).error.field).toBe("upn");
      const made = await send("/api/v1/pupils", "POST", {
        upn: "H801200001001",
        surname: "Quennell",
        forename: "Ada",
        dob: "2019-02-03",
        sex: "F",
        ncYear: "2",
        regGroup: "2A",
        admissionDate: "2025-09-03",
      });
      expect(made.status).toBe(201);
      const ada = await json(made);
      expect(ada).toMatchObject({
        surname: "Quennell",
        status: "onroll",
        ncYear: "2",
        regGroup: "2A",
      });
      const edited = await send(`/api/v1/pupils/${ada.id}`, "PATCH", {
        preferredForename: "Addy",
        regGroup: "2B",
        upn: null,
        // Sent as it was: not a change, so not in the audit entry.
        surname: "Quennell",
      });
      expect(edited.status).toBe(200);
      expect(await json(edited)).toMatchObject({
        preferredForename: "Addy",
        regGroup: "2B",
        upn: null,
        surname: "Quennell",
      });
      const found = await json(await api("/api/v1/pupils?q=quenn"));
      expect(found.pupils.map((p: { id: string }) => p.id)).toEqual([ada.id]);
      const edits = await mis.ctx.db
        .selectFrom("audit_events")
        .select(["action", "detail"])
        .where("target", "=", `pupil:${ada.id}`)
        .where("action", "=", "pupil.edit")
        .execute();
      expect(edits).toEqual([
        { action: "pupil.edit", detail: { fields: ["upn", "preferredForename", "regGroup"] } },
      ]);
    });
  });
}
