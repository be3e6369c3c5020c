import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runCli } from "../../src/cli/program.js";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { configFromEnv, filesDir } from "../../src/hub/config.js";
import { findEstablishment } from "../../src/hub/establishments.js";
import { type RunningHub, startHub } from "../../src/hub/service.js";
import { checkPassword, signIn } from "../../src/hub/sign-in.js";
import { createToken, principalFromToken } from "../../src/hub/tokens.js";
import { codeAt, stepAt } from "../../src/platform/accounts/totp.js";
import { readAll } from "../../src/platform/store/blob-store.js";
import { EncryptedStore } from "../../src/platform/store/encrypted-store.js";
import { FolderBlobStore } from "../../src/platform/store/folder-store.js";
import { eventually } from "../helpers/hub.js";

const BIN = join(import.meta.dirname, "../../bin/s2s.js");
const LA_KEY = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

async function s2s(...argv: string[]) {
  let out = "";
  let err = "";
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

// The real GIAS extract's column names, in Windows-1252 as GIAS publishes it.
const GIAS = [
  '"URN","LA (code)","LA (name)","EstablishmentNumber","EstablishmentName","TypeOfEstablishment (name)","EstablishmentTypeGroup (name)","EstablishmentStatus (name)","Town"',
  '"100001","823","Northshire","1234","Brookfield Primary School","Community school","Local authority maintained schools","Open","Ashby"',
  '"100002","823","Northshire","6001","Abbey Independent School","Other independent school","Independent schools","Open","Northam"',
  '"100003","938","Southvale","2001","Meadow Lane Primary School","Foundation school","Local authority maintained schools","Closed","Southbury"',
  '"100004","938","Southvale","","Southvale Children\'s Centre","Children\'s centre","Other types","Open",""',
  '"100005","938","Southvale","2002","Ysgol Gymraeg Sant Dewi — Saint David’s","Voluntary aided school","Local authority maintained schools","Open, but proposed to close",""',
].join("\r\n");

// GIAS's links extract: Meadow Lane closed and Saint David's took it over.
const GIAS_LINKS = [
  '"URN","LinkURN","LinkName","LinkType","LinkEstablishedDate"',
  '"100003","100005","Ysgol Gymraeg Sant Dewi","Successor","01-09-2026"',
  '"100005","100003","Meadow Lane Primary School","Predecessor","01-09-2026"',
  '"999999","100001","Brookfield Primary School","Successor","01-09-2026"',
].join("\r\n");

// Outside every data folder, as production requires; the CLI reads it from the environment.
const KEY_FILE = join(tmpdir(), `s2s-test-${process.pid}-master.key`);
// Set for this file's tests only: files share a worker process, and a hub another file starts
// (or spawns) must not find this key.
const envBefore = process.env.S2S_MASTER_KEY_FILE;
beforeAll(() => {
  process.env.S2S_MASTER_KEY_FILE = KEY_FILE;
});
afterAll(() => {
  if (envBefore === undefined) delete process.env.S2S_MASTER_KEY_FILE;
  else process.env.S2S_MASTER_KEY_FILE = envBefore;
});
const hubConfig = (dataDir: string) =>
  configFromEnv(
    { S2S_MASTER_KEY_FILE: KEY_FILE },
    { dataDir, port: 0, pgliteTemplate: inject("hubPgliteTemplate") },
  );

describe("s2s hub admin", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "s2s-admin-"));
  });

  it("imports the GIAS CSV, says what it skipped and why, and updates on a second run", async () => {
    const csv = join(dir, "edubasealldata.csv");
    // Windows-1252: the dash and the curly apostrophe are single bytes there.
    await writeFile(csv, Buffer.from(GIAS.replace("—", "\x97").replace("’", "\x92"), "latin1"));
    const first = await s2s("hub", "admin", "establishments", "import", csv, "--data", dir);
    expect(first.code).toBe(0);
    expect(first.out).toContain("4 added, 0 updated, 1 skipped");
    expect(first.out).toContain("line 5: no EstablishmentNumber");
    const again = await s2s("hub", "admin", "establishments", "import", csv, "--data", dir);
    expect(again.out).toContain("0 added, 4 updated, 1 skipped");
    const notGias = join(dir, "other.csv");
    await writeFile(notGias, "a,b\n1,2\n");
    const bad = await s2s("hub", "admin", "establishments", "import", notGias, "--data", dir);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("not a GIAS establishment extract");
    const links = join(dir, "links_edubasealldata.csv");
    await writeFile(links, GIAS_LINKS);
    const linked = await s2s("hub", "admin", "establishments", "import", links, "--data", dir);
    expect(linked.code).toBe(0);
    expect(linked.out).toContain("0 added, 1 updated, 1 skipped");
    expect(linked.out).toContain("line 4: no establishment has URN 999999");
  }, 60_000);

  it("creates users, with a printed or a piped password, and says what is wrong", async () => {
    const made = await s2s(
      "hub",
      "admin",
      "users",
      "create",
      "--username",
      "office1",
      "--role",
      "school",
      "--establishment",
      "8231234",
      "--email",
      "office@example.org",
      "--data",
      dir,
    );
    expect(made.code).toBe(0);
    const password = /password: (\S+)/.exec(made.out)?.[1] ?? "";
    expect(password.length).toBeGreaterThanOrEqual(12);
    const la = await s2s(
      "hub",
      "admin",
      "users",
      "create",
      "--username",
      "la1",
      "--role",
      "la",
      "--la",
      "938",
      "--email",
      "la@example.org",
      "--totp-secret",
      LA_KEY,
      "--data",
      dir,
    );
    expect(la.code).toBe(0);
    expect(la.out).toContain("with a second factor");
    expect(la.out).toContain("They choose their own password when they first sign in.");
    const kept = await s2s(
      "hub",
      "admin",
      "users",
      "create",
      "--username",
      "office9",
      "--role",
      "school",
      "--establishment",
      "8231234",
      "--email",
      "office9@example.org",
      "--no-change-at-sign-in",
      "--data",
      dir,
    );
    expect(kept.code).toBe(0);
    expect(kept.out).not.toContain("choose their own");
    const noSchool = await s2s(
      "hub",
      "admin",
      "users",
      "create",
      "--username",
      "nobody1",
      "--role",
      "school",
      "--establishment",
      "9999999",
      "--email",
      "x@example.org",
      "--data",
      dir,
    );
    expect(noSchool).toMatchObject({
      code: 1,
      err: expect.stringContaining("no establishment 9999999"),
    });
    const taken = await s2s(
      "hub",
      "admin",
      "users",
      "create",
      "--username",
      "office1",
      "--role",
      "admin",
      "--email",
      "x@example.org",
      "--data",
      dir,
    );
    expect(taken.err).toContain("taken");

    const token = await s2s(
      "hub",
      "admin",
      "tokens",
      "create",
      "--username",
      "office1",
      "--data",
      dir,
    );
    expect(token.out).toMatch(/^s2s_[A-Za-z0-9_-]{40,}\n$/);

    // The password and the token open the account.
    const hub = await startHub(hubConfig(dir), { role: "web" });
    try {
      const p = await checkPassword(hub.ctx, "office1", password);
      expect(p.principal).toMatchObject({ role: "school", establishment: "8231234" });
      // The LA user was provisioned with a second factor: the password alone is not enough.
      const laPassword = /password: (\S+)/.exec(la.out)?.[1] ?? "";
      await expect(signIn(hub.ctx, "la1", laPassword)).rejects.toMatchObject({
        code: "auth.code-required",
      });
      // With the code too, the printed password opens only the page to choose one's own.
      const code = codeAt(LA_KEY, stepAt(new Date()));
      await expect(signIn(hub.ctx, "la1", laPassword, undefined, code)).rejects.toMatchObject({
        code: "auth.password-change-required",
      });
      const office9 = /password: (\S+)/.exec(kept.out)?.[1] ?? "";
      expect((await signIn(hub.ctx, "office9", office9)).principal).toMatchObject({
        role: "school",
        establishment: "8231234",
      });
      const sealed = await hub.ctx.db
        .selectFrom("users")
        .select("totp_secret")
        .where("username", "=", "la1")
        .executeTakeFirstOrThrow();
      expect(sealed.totp_secret).not.toContain(LA_KEY);
      expect(await principalFromToken(hub.ctx, token.out.trim())).toMatchObject({
        username: "office1",
      });
      const welsh = await findEstablishment(hub.ctx.db, "9382002");
      expect(welsh?.name).toBe("Ysgol Gymraeg Sant Dewi — Saint David’s");
      expect(await findEstablishment(hub.ctx.db, "8236001")).toMatchObject({ independent: true });
      expect(await findEstablishment(hub.ctx.db, "9382001")).toMatchObject({
        status: "closed",
        town: "Southbury",
        successor_laestab: "9382002",
      });

      // While this hub holds the PGlite folder, another process's command says what to do instead.
      const locked = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [BIN, "hub", "admin", "tokens", "create", "--username", "office1", "--data", dir],
          (err, _out, stderr) =>
            resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
        );
      });
      expect(locked.code).toBe(2);
      expect(locked.stderr).toMatch(
        /in use by another S2S process \(pid \d+\)\. PGlite is one process's database: stop that process first, or do admin work through the running hub's API/,
      );
    } finally {
      await hub.stop();
    }
  }, 60_000);
});

describe("s2s hub serve", () => {
  let hub: RunningHub | undefined;
  afterAll(() => hub?.stop());

  it("without --demo refuses to start until the master key is kept apart from the data", async () => {
    const dir = await mkdtemp(join(tmpdir(), "s2s-nokey-"));
    await expect(
      startHub(
        configFromEnv({}, { dataDir: dir, port: 0, pgliteTemplate: inject("hubPgliteTemplate") }),
        { role: "web" },
      ),
    ).rejects.toThrow(/no master key: set S2S_MASTER_KEY .* or S2S_MASTER_KEY_FILE/);
  });

  it("on a first run without --demo creates one administrator and shows the password once", async () => {
    const dir = await mkdtemp(join(tmpdir(), "s2s-first-"));
    hub = await startHub(hubConfig(dir), { role: "web" });
    expect(hub.firstRun.admin?.username).toBe("admin");
    const checked = await checkPassword(hub.ctx, "admin", hub.firstRun.admin?.password ?? "");
    // Shown in the server's output, so the administrator must replace it at first sign-in.
    expect(checked.principal).toMatchObject({ role: "admin", mustChangePassword: true });
    await hub.stop();
    hub = await startHub(hubConfig(dir), { role: "web" });
    expect(hub.firstRun).toEqual({});
  }, 60_000);

  it("a worker keeps retention on a schedule, once for all workers, one run at a time", async () => {
    await hub?.stop();
    const dir = await mkdtemp(join(tmpdir(), "s2s-schedule-"));
    hub = await startHub(hubConfig(dir), { role: "worker" });
    const schedules = await hub.boss.getSchedules();
    expect(schedules.map((s) => [s.name, s.cron])).toEqual([["retention", "*/10 * * * *"]]);
    expect(await hub.boss.getQueue("retention")).toMatchObject({ policy: "singleton" });
  }, 60_000);
});

describe("s2s hub admin keys rotate", () => {
  it("re-wraps every file's key and re-seals second-factor keys; the old key then opens nothing, and a second run finds nothing to do", async () => {
    const dir = await mkdtemp(join(tmpdir(), "s2s-rotate-"));
    const oldKey = join(tmpdir(), `s2s-rotate-${process.pid}-old.key`);
    const newKey = join(tmpdir(), `s2s-rotate-${process.pid}-new.key`);
    const config = (keyFile: string) =>
      configFromEnv(
        { S2S_MASTER_KEY_FILE: keyFile },
        { dataDir: dir, port: 0, pgliteTemplate: inject("hubPgliteTemplate") },
      );
    const xml = writeCtf(
      generateCtf({ from: "8231234", to: "9382001", pupils: 2, seed: 9, now: new Date() }),
    );

    let hub = await startHub(config(oldKey), { demo: true });
    const laDemo = hub.firstRun.demo?.find((d) => d.username === "northshire-la");
    const send = await fetch(`${hub.url}/api/v1/transfers?filename=8231234_CTF_9382001_001.XML`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${(await createToken(hub.ctx, null, "brookfield")).token}`,
        "content-type": "application/xml",
      },
      body: xml,
    });
    expect(send.status).toBe(202);
    const { id } = (await send.json()) as { id: string };
    const running = hub;
    await eventually("the file to be checked", async () => {
      const r = await running.ctx.db
        .selectFrom("transfers")
        .select(["status", "store_key"])
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      return r.status === "available" ? r : undefined;
    });
    const { store_key: storeKey } = await hub.ctx.db
      .selectFrom("transfers")
      .select("store_key")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    await hub.stop();

    const rotate = async () => {
      const before = process.env.S2S_MASTER_KEY_FILE;
      process.env.S2S_MASTER_KEY_FILE = oldKey;
      try {
        return await s2s("hub", "admin", "keys", "rotate", "--new-key-file", newKey, "--data", dir);
      } finally {
        process.env.S2S_MASTER_KEY_FILE = before;
      }
    };
    const first = await rotate();
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/re-wrapped the keys of 1 stored files \(0 were already/);
    // The demo's two LA users and its administrator have one each.
    expect(first.out).toMatch(/re-sealed 3 second-factor keys/);
    expect(first.out).toContain(`S2S_MASTER_KEY_FILE=${newKey}`);
    const again = await rotate();
    expect(again.out).toMatch(/re-wrapped the keys of 0 stored files \(1 were already/);
    expect(again.out).toMatch(/re-sealed 0 second-factor keys/);

    // The old key opens neither the file nor the second-factor keys.
    const oldStore = new EncryptedStore(
      new FolderBlobStore(filesDir(config(oldKey))),
      Buffer.from((await readFile(oldKey, "utf8")).trim(), "base64"),
    );
    await expect(readAll(await oldStore.get(String(storeKey)))).rejects.toThrow();

    // Under the new key the hub reads the file byte for byte, and the LA's authenticator works.
    hub = await startHub(config(newKey), { role: "web" });
    try {
      const meadow = (await createToken(hub.ctx, null, "meadowlane")).token;
      const auth = { authorization: `Bearer ${meadow}` };
      expect(
        (await fetch(`${hub.url}/api/v1/transfers/${id}/accept`, { method: "POST", headers: auth }))
          .status,
      ).toBe(200);
      const got = await fetch(`${hub.url}/api/v1/transfers/${id}/content`, { headers: auth });
      expect(Buffer.from(await got.arrayBuffer()).equals(Buffer.from(xml))).toBe(true);
      const la = await signIn(
        hub.ctx,
        "northshire-la",
        laDemo?.password ?? "",
        undefined,
        codeAt(laDemo?.totpSecret ?? "", stepAt(new Date())),
      );
      expect(la.principal).toMatchObject({ role: "la" });
      const rotated = await hub.ctx.db
        .selectFrom("audit_events")
        .select("detail")
        .where("action", "=", "keys.rotate")
        .orderBy("id")
        .execute();
      expect(rotated.map((r) => r.detail)).toEqual([
        { files: 1, filesAlreadyDone: 0, secrets: 3 },
        { files: 0, filesAlreadyDone: 1, secrets: 0 },
      ]);
    } finally {
      await hub.stop();
    }
  }, 90_000);

  it("refuses a new key inside the data folder, saying where it must go", async () => {
    const dir = await mkdtemp(join(tmpdir(), "s2s-rotate-in-"));
    await startHub(hubConfig(dir), { role: "web" }).then((h) => h.stop());
    const inside = await s2s(
      "hub",
      "admin",
      "keys",
      "rotate",
      "--new-key-file",
      join(dir, "new.key"),
      "--data",
      dir,
    );
    expect(inside.code).toBe(1);
    expect(inside.err).toMatch(/key rotation stopped: .*inside the data folder; keep it elsewhere/);
  }, 60_000);
});
