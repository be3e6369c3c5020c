/**
 * `s2s sync` between two schools' data exchange folders and a real hub, on both databases: a
 * file dropped in one folder arrives in the other exactly once, byte for byte, also when the
 * agent is killed (SIGKILL) at each step of its work and started again; a file still being
 * written is not taken; a file of the same name in the inbox is kept; and what goes wrong
 * (another agent on the folder, a refused token, a hub that does not answer) is said plainly.
 */
import { execFile } from "node:child_process";
import {
  appendFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  stat,
  symlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAgent } from "../../src/agent/service.js";
import { runCli } from "../../src/cli/program.js";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { DATABASES } from "../helpers/db.js";
import { startGateway } from "../helpers/gateway.js";
import { json, startTestHub, type TestHub } from "../helpers/hub.js";

/** The built command, as installed: `npm test` builds it first (pretest). */
const BIN = join(import.meta.dirname, "../../bin/s2s.js");

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`s2s sync on ${target.name}`, () => {
    let t: TestHub;
    let brookfield: string;
    let meadow: string;
    let sequence = 0;

    beforeAll(async () => {
      t = await startTestHub(target.name);
      brookfield = await t.token("brookfield");
      meadow = await t.token("meadowlane");
    }, 90_000);

    afterAll(async () => {
      await t?.stop();
    });

    const folder = () => mkdtemp(join(tmpdir(), "s2s-sync-"));

    /** A complete file from Brookfield's MIS for Meadow Lane, written a while ago. */
    async function drop(dir: string, pupils = 2) {
      sequence++;
      const name = `8231234_CTF_9382001_${String(sequence).padStart(3, "0")}.XML`;
      const xml = writeCtf(
        generateCtf({
          from: "8231234",
          to: "9382001",
          pupils,
          seed: 100 + sequence,
          now: new Date(),
        }),
      );
      await writeFile(join(dir, name), xml);
      const past = new Date(Date.now() - 10_000);
      await utimes(join(dir, name), past, past);
      return { name, xml };
    }

    async function s2s(...argv: string[]) {
      let out = "";
      let err = "";
      const code = await runCli(argv, { out: (x) => (out += x), err: (x) => (err += x) });
      return { code, out, err };
    }

    /** One run of the agent against `hub` (a gateway in front of the hub, say). */
    const agentVia = (hub: string, token: string, dir: string, ...more: string[]) =>
      s2s(
        "sync",
        "--hub",
        hub,
        "--token",
        token,
        "--folder",
        dir,
        "--once",
        "--settle",
        "1",
        ...more,
      );
    const agent = (token: string, dir: string, ...more: string[]) =>
      agentVia(t.url, token, dir, ...more);

    /** The agent in a process of its own, killed by itself at `step` when given. */
    function agentProcess(token: string, dir: string, step?: string, ...more: string[]) {
      return new Promise<{ code: number | null; signal: string | null; out: string }>((resolve) => {
        const child = execFile(
          process.execPath,
          [BIN, "sync", "--hub", t.url, "--folder", dir, "--once", "--settle", "1", ...more],
          {
            env: {
              ...process.env,
              S2S_SYNC_TOKEN: token,
              ...(step ? { S2S_SYNC_KILL_AT: step } : {}),
            },
          },
          (_err, stdout) =>
            resolve({ code: child.exitCode, signal: child.signalCode, out: stdout }),
        );
      });
    }

    async function transfersNamed(name: string) {
      return t.hub.ctx.db
        .selectFrom("transfers")
        .select(["id", "status"])
        .where("file_name", "=", name)
        .where("source_laestab", "=", "8231234")
        .execute();
    }

    it("sends a dropped file once, and the destination's agent saves it byte for byte", async () => {
      const out = await folder();
      const inbox = await folder();
      const { name, xml } = await drop(out);
      const sent = await agent(brookfield, out);
      expect(sent.code).toBe(0);
      expect(sent.out).toContain("1 sent, 0 failed");
      expect(await readdir(out)).not.toContain(name);
      expect(await readFile(join(out, "sent", name), "utf8")).toBe(xml);
      expect(await readFile(join(out, "sent", `${name}.txt`), "utf8")).toContain(
        "Sent to Meadow Lane Primary School (9382001): 2 pupil(s), checked",
      );
      expect(await transfersNamed(name)).toHaveLength(1);
      // A second run has nothing to send.
      expect((await agent(brookfield, out)).out).toContain("0 sent");
      expect(await transfersNamed(name)).toHaveLength(1);

      // The receiving school keeps its token in a file, as production should.
      const tokenFile = join(await folder(), "token");
      await writeFile(tokenFile, `${meadow}\n`);
      await mkdir(join(inbox, "mis"));
      const got = await s2s(
        "sync",
        "--hub",
        t.url,
        "--token-file",
        tokenFile,
        "--folder",
        join(inbox, "mis"),
        "--inbox",
        inbox,
        "--once",
        "--settle",
        "1",
      );
      expect(got.code).toBe(0);
      expect(await readFile(join(inbox, name), "utf8")).toBe(xml);
      expect((await transfersNamed(name))[0]?.status).toBe("downloaded");
      const log = await readFile(join(inbox, "mis", "s2s-sync.log"), "utf8");
      expect(log).toMatch(new RegExp(`received ${name} from Brookfield Primary School: 2 pupil`));
      const status = await s2s("sync", "status", "--folder", out);
      expect(status.out).toMatch(/^last run: \d{4}-\d\d-\d\dT.* \(0 sent, 0 failed, 0 received\)/);
      expect(status.out).toContain("files waiting to be sent: 0");
      expect(status.out).toContain("last error: none");
    });

    it("does not take a file still being written", async () => {
      const out = await folder();
      sequence++;
      const name = `8231234_CTF_9382001_${String(sequence).padStart(3, "0")}.XML`;
      const xml = writeCtf(
        generateCtf({ from: "8231234", to: "9382001", pupils: 3, seed: 200, now: new Date() }),
      );
      const half = Math.floor(xml.length / 2);
      await writeFile(join(out, name), xml.slice(0, half));
      // The MIS goes on writing, a little at a time, while the agent looks.
      let at = half;
      const writing = setInterval(() => {
        const next = Math.min(xml.length - 1, at + 200);
        void appendFile(join(out, name), xml.slice(at, next));
        at = next;
      }, 100);
      const run = await agent(brookfield, out);
      clearInterval(writing);
      expect(run.out).toContain("0 sent, 0 failed, 0 received, 1 waiting");
      expect(await transfersNamed(name)).toEqual([]);
      expect(await readFile(join(out, "s2s-sync.log"), "utf8")).toContain(
        `${name}: still being written`,
      );
      await writeFile(join(out, name), xml);
      const past = new Date(Date.now() - 10_000);
      await utimes(join(out, name), past, past);
      expect((await agent(brookfield, out)).out).toContain("1 sent");
      expect(await readFile(join(out, "sent", name), "utf8")).toBe(xml);
    });

    it("keeps pupils' files to the agent's account, and sent copies for the days it is told", async () => {
      const out = await folder();
      const inbox = await folder();
      const { name } = await drop(out);
      expect((await agent(brookfield, out)).code).toBe(0);
      expect((await agent(meadow, inbox)).code).toBe(0);
      const mode = async (path: string) => (await stat(path)).mode & 0o777;
      expect(await mode(join(inbox, name))).toBe(0o600);
      expect(await mode(join(out, "sent", name))).toBe(0o600);
      expect(await mode(join(out, "sent", `${name}.txt`))).toBe(0o600);
      // An MIS reading as the folder's group is let in when asked.
      const shared = await folder();
      const next = await drop(out);
      expect((await agent(brookfield, out)).code).toBe(0);
      expect((await agent(meadow, shared, "--group-read")).code).toBe(0);
      expect(await mode(join(shared, next.name))).toBe(0o640);

      // Sent copies go after --keep-days (60 unless told); the hub keeps the file itself.
      const day = 86_400_000;
      const aged = async (file: string, days: number) => {
        const at = new Date(Date.now() - days * day);
        await utimes(join(out, "sent", file), at, at);
      };
      await aged(name, 61);
      await aged(`${name}.txt`, 61);
      await aged(next.name, 59);
      expect((await agent(brookfield, out)).code).toBe(0);
      expect((await readdir(join(out, "sent"))).sort()).toEqual([next.name, `${next.name}.txt`]);
      await aged(next.name, 11);
      expect((await agent(brookfield, out, "--keep-days", "10")).code).toBe(0);
      expect(await readdir(join(out, "sent"))).toEqual([`${next.name}.txt`]);
      expect((await agent(brookfield, out, "--keep-days", "0")).code).toBe(2);
    });

    it("sends only real, whole files, files only into real folders, and clears what a crash left", async () => {
      const out = await folder();
      const past = new Date(Date.now() - 10_000);
      // A link with a CTF's name, leading out of the folder: not the MIS's file, never sent.
      const elsewhere = await folder();
      const { name: linked } = await drop(elsewhere);
      await symlink(join(elsewhere, linked), join(out, linked));
      // Half a file, paused longer than the settle time.
      sequence++;
      const half = `8231234_CTF_9382001_${String(sequence).padStart(3, "0")}.XML`;
      const whole = writeCtf(
        generateCtf({ from: "8231234", to: "9382001", pupils: 2, seed: 500, now: new Date() }),
      );
      await writeFile(join(out, half), whole.slice(0, whole.length / 2));
      await utimes(join(out, half), past, past);
      // What a crash or a full disk left, two hours ago and just now.
      const old = new Date(Date.now() - 2 * 3_600_000);
      await mkdir(join(out, ".s2s-sync"), { recursive: true });
      const leftovers = [`.${half}.1234.partial`, ".s2s-sync/state.json.999.new"];
      for (const f of leftovers) {
        await writeFile(join(out, f), "left");
        await utimes(join(out, f), old, old);
      }
      await writeFile(join(out, ".fresh.XML.5678.partial"), "being written now");

      const first = await agent(brookfield, out);
      expect(first.code).toBe(0);
      expect(first.out).toContain("0 sent");
      expect(await transfersNamed(linked)).toHaveLength(0);
      expect(await transfersNamed(half)).toHaveLength(0);
      expect(await readFile(join(out, "s2s-sync.log"), "utf8")).toContain(
        `${half}: it does not end with </CTfile> yet`,
      );
      const left = await readdir(out);
      expect(left).not.toContain(leftovers[0]);
      expect(left).toContain(".fresh.XML.5678.partial");
      expect(await readdir(join(out, ".s2s-sync"))).not.toContain("state.json.999.new");

      // The rest arrives: now it goes, whole.
      await writeFile(join(out, half), whole);
      await utimes(join(out, half), past, past);
      expect((await agent(brookfield, out)).out).toContain("1 sent");
      expect(await readFile(join(out, "sent", half), "utf8")).toBe(whole);

      // A sent/ (or failed/) that is a link to elsewhere: refused, saying why.
      const linkedOut = await folder();
      await symlink(elsewhere, join(linkedOut, "sent"));
      const refused = await agent(brookfield, linkedOut);
      expect(refused.code).toBe(6);
      expect(refused.out).toContain("is a link to another place");
    });

    it("keeps a file of the same name already in the inbox, and says what it did", async () => {
      const out = await folder();
      const inbox = await folder();
      const { name, xml } = await drop(out);
      await agent(brookfield, out);
      await writeFile(join(inbox, name), "the MIS's own file");
      await agent(meadow, inbox);
      expect(await readFile(join(inbox, name), "utf8")).toBe("the MIS's own file");
      const renamed = name.replace(".XML", "-2.XML");
      expect(await readFile(join(inbox, renamed), "utf8")).toBe(xml);
      expect(await readFile(join(inbox, "s2s-sync.log"), "utf8")).toContain(
        `a file called ${name} was already there, so this one is ${renamed}`,
      );
    });

    it("saves only files the hub names as a CTF, skipping and logging any other name and going on", async () => {
      const out = await folder();
      const parent = await folder();
      const inbox = join(parent, "inbox");
      await mkdir(inbox);
      // A hub that misbehaves (or a row someone altered) can hand out any name at all.
      const hostile = [
        "x/../../escaped.XML",
        "../escaped.XML",
        "..\\escaped.XML",
        "/tmp/escaped.XML",
        ".hidden.XML",
        "8231234_CTF_9382001_001.XML/../../escaped.XML",
        "a\nb.XML",
        "8231234_CTF_9382001_1.XML",
      ];
      const sent: { id: string; name: string }[] = [];
      for (const bad of hostile) {
        const { name } = await drop(out, 1);
        expect((await agent(brookfield, out)).code).toBe(0);
        const [row] = await transfersNamed(name);
        await t.hub.ctx.db
          .updateTable("transfers")
          .set({ file_name: bad })
          .where("id", "=", row?.id as string)
          .execute();
        sent.push({ id: row?.id as string, name: bad });
      }
      const good = await drop(out);
      expect((await agent(brookfield, out)).code).toBe(0);

      const run = await agent(meadow, inbox);
      expect(run.code).toBe(0);
      // The good file arrived; nothing was written anywhere else.
      expect(await readFile(join(inbox, good.name), "utf8")).toBe(good.xml);
      expect(
        (await readdir(inbox)).filter((f) => !f.startsWith(".") && !f.endsWith(".log")),
      ).toEqual([good.name]);
      expect((await readdir(parent)).sort()).toEqual(["inbox"]);
      expect(await readdir(tmpdir())).not.toContain("escaped.XML");
      // Each bad one is left on the hub, and said once in the log.
      const log = await readFile(join(inbox, "s2s-sync.log"), "utf8");
      for (const { id } of sent) {
        expect(log.split(id).length - 1, id).toBe(1);
        const [row] = await t.hub.ctx.db
          .selectFrom("transfers")
          .select("status")
          .where("id", "=", id)
          .execute();
        expect(row?.status).toBe("available");
      }
      expect(log).toContain("which is not a CTF's name, so it was left on the hub");
      expect((await agent(meadow, inbox)).code).toBe(0);
      expect(
        (await readFile(join(inbox, "s2s-sync.log"), "utf8")).split(sent[0]?.id as string).length -
          1,
      ).toBe(1);
    });

    it("sends its token only over https, or plain http to a hub on this machine", async () => {
      const out = await folder();
      // Names under .invalid never resolve, so even a broken check sends nothing anywhere.
      for (const hub of [
        "http://hub.invalid",
        "http://hub.invalid:3000",
        "ftp://hub.invalid",
        "hub.invalid",
      ]) {
        const r = await s2s("sync", "--hub", hub, "--token", brookfield, "--folder", out, "--once");
        expect(r.code, hub).toBe(2);
        expect(r.err + r.out, hub).toMatch(/https:\/\//);
      }
      // Loopback by name, by IPv4 and IPv6 is this machine: the agent goes on to try it.
      for (const hub of ["http://localhost:1", "http://127.0.0.1:1", "http://[::1]:1"]) {
        const r = await s2s("sync", "--hub", hub, "--token", brookfield, "--folder", out, "--once");
        expect(r.code, hub).toBe(4);
      }
    });

    it("sends what it read, and a file the MIS writes again meanwhile goes next, not lost", async () => {
      const gateway = await startGateway(t.url);
      try {
        const out = await folder();
        const first = await drop(out, 2);
        const again = writeCtf(
          generateCtf({ from: "8231234", to: "9382001", pupils: 3, seed: 777, now: new Date() }),
        );
        // The MIS exports again, under the same name, while the first is on its way.
        gateway.before = async (method, url) => {
          if (method === "POST" && url.startsWith("/api/v1/transfers?")) {
            gateway.before = undefined;
            await writeFile(join(out, first.name), again);
            const past = new Date(Date.now() - 10_000);
            await utimes(join(out, first.name), past, past);
          }
        };
        const via = () => agentVia(gateway.url, brookfield, out);
        expect((await via()).code).toBe(0);
        // What was sent is what is filed; the new export waits in the folder...
        expect(await readFile(join(out, "sent", first.name), "utf8")).toBe(first.xml);
        expect(await readFile(join(out, first.name), "utf8")).toBe(again);
        // ...and goes on the next run.
        expect((await via()).code).toBe(0);
        expect(
          await readFile(join(out, "sent", first.name.replace(".XML", "-2.XML")), "utf8"),
        ).toBe(again);
        const sent = await t.hub.ctx.db
          .selectFrom("transfers")
          .select("pupil_count")
          .where("file_name", "=", first.name)
          .where("source_laestab", "=", "8231234")
          .orderBy("created_at")
          .execute();
        expect(sent.map((r) => r.pupil_count)).toEqual([2, 3]);
        // The receiving school gets both.
        const inbox = await folder();
        expect((await agent(meadow, inbox)).code).toBe(0);
        const saved = (await readdir(inbox)).filter((f) => f.endsWith(".XML"));
        const texts = await Promise.all(saved.map((f) => readFile(join(inbox, f), "utf8")));
        expect(texts.sort()).toEqual([first.xml, again].sort());
      } finally {
        await gateway.close();
      }
    });

    it("sends and saves each file exactly once when killed at any step and started again", async () => {
      for (const step of [
        "after-stage",
        "before-upload",
        "after-upload",
        "before-move",
        "after-move",
      ]) {
        const out = await folder();
        const { name, xml } = await drop(out);
        const killed = await agentProcess(brookfield, out, step);
        expect(killed.signal, step).toBe("SIGKILL");
        const again = await agentProcess(brookfield, out);
        expect(again.code, `${step}: ${again.out}`).toBe(0);
        expect(await transfersNamed(name), step).toHaveLength(1);
        expect(await readFile(join(out, "sent", name), "utf8")).toBe(xml);
        expect(
          (await readdir(out)).filter((f) => f.endsWith(".XML")),
          step,
        ).toEqual([]);
        // And the receiving side, killed at each of its steps.
        const receiveStep = {
          "after-stage": undefined,
          "before-upload": "before-accept",
          "after-upload": "after-accept",
          "before-move": "after-save",
          "after-move": undefined,
        }[step];
        const inbox = await folder();
        if (receiveStep) {
          const dead = await agentProcess(meadow, inbox, receiveStep);
          expect(dead.signal, receiveStep).toBe("SIGKILL");
        }
        expect((await agentProcess(meadow, inbox)).code).toBe(0);
        const saved = (await readdir(inbox)).filter((f) => f.endsWith(".XML"));
        expect(saved, receiveStep).toEqual([name]);
        expect(await readFile(join(inbox, name), "utf8")).toBe(xml);
      }
    }, 180_000);

    it("refuses a second agent on the same folder", async () => {
      const out = await folder();
      const running = execFile(
        process.execPath,
        [BIN, "sync", "--hub", t.url, "--folder", out, "--interval", "60"],
        { env: { ...process.env, S2S_SYNC_TOKEN: brookfield } },
      );
      let said = "";
      running.stdout?.on("data", (d) => (said += d));
      running.stderr?.on("data", (d) => (said += d));
      try {
        // The first agent holds the folder once its lock names it (a busy machine may take a while).
        const lock = join(out, ".s2s-sync", "agent.lock");
        const holder = async () => (await readFile(lock, "utf8").catch(() => "")).trim();
        for (let i = 0; i < 300 && (await holder()) === ""; i++)
          await new Promise((r) => setTimeout(r, 100));
        expect(await holder(), `the first agent said: ${said}`).toBe(String(running.pid));
        const second = await agent(brookfield, out);
        expect(second.code).toBe(5);
        expect(second.out).toContain("another s2s sync");
      } finally {
        running.kill("SIGTERM");
      }
    });

    it("stops on a refused token, and waits when the hub does not answer, saying so", async () => {
      const out = await folder();
      const { name } = await drop(out);
      const missing = await agent(brookfield, join(out, "no-such-folder"));
      expect(missing.code).toBe(6);
      expect(missing.out).toContain("the folder does not exist");
      const refused = await agent("s2s_revoked-or-wrong", out);
      expect(refused.code).toBe(3);
      expect(refused.out).toContain("the hub refuses the token");
      const la = await agent(await t.token("northshire-la"), out);
      expect(la.code).toBe(3);
      expect(la.out).toContain("who is not a school's user");
      const away = await s2s(
        "sync",
        "--hub",
        "http://127.0.0.1:1",
        "--token",
        brookfield,
        "--folder",
        out,
        "--once",
      );
      expect(away.code).toBe(4);
      expect(away.out).toContain("the hub cannot be reached");
      expect(await readdir(out)).toContain(name);
      const status = await s2s("sync", "status", "--folder", out);
      expect(status.out).toContain("last error:");
      expect((await agent(brookfield, out)).code).toBe(0);
      expect(await transfersNamed(name)).toHaveLength(1);
      const me = await json(await t.api(brookfield, "/api/v1/me"));
      expect(me.establishment).toBe("8231234");
    });
    it("waits out the hub's passing trouble file by file, and sends each once it passes", async () => {
      const gateway = await startGateway(t.url);
      try {
        const out = await folder();
        const files = [await drop(out), await drop(out), await drop(out)];
        // The client rides out a 503 or 429 by itself, up to three retries: these outlast them.
        for (const [status, code, times] of [
          [503, "internal", 4],
          [429, "rate-limited", 4],
          [409, "idempotency.in-progress", 1],
        ] as const)
          gateway.refuse({ method: "POST", path: "/api/v1/transfers?", status, code, times });
        const via = () => agentVia(gateway.url, brookfield, out);
        const first = await via();
        expect(first.code).toBe(0);
        expect(first.out).toContain("0 sent, 0 failed, 0 received, 3 waiting");
        expect(gateway.refused()).toBe(9);
        // Not one file given up on: each waits, taken from the MIS's hands, and the log says why.
        expect((await readdir(join(out, ".s2s-sync", "sending"))).sort()).toEqual(
          files.map((f) => f.name).sort(),
        );
        expect(await readdir(out)).not.toContain("failed");
        const status = await s2s("sync", "status", "--folder", out);
        expect(status.out).toContain("files waiting to be sent: 3");
        const log = await readFile(join(out, "s2s-sync.log"), "utf8");
        expect(log).toContain("answered 429 (rate-limited)");
        const second = await via();
        expect(second.code).toBe(0);
        expect(second.out).toContain("3 sent, 0 failed");
        for (const f of files) expect(await transfersNamed(f.name)).toHaveLength(1);
      } finally {
        await gateway.close();
      }
    });

    it("waits while its user must choose a password, then sends", async () => {
      const out = await folder();
      const { name } = await drop(out);
      const mustChange = (value: boolean) =>
        t.hub.ctx.db
          .updateTable("users")
          .set({ must_change_password: value })
          .where("username", "=", "brookfield")
          .execute();
      await mustChange(true);
      t.hub.ctx.caches?.notice("principals");
      try {
        const waiting = await agent(brookfield, out);
        expect(waiting.code).toBe(4);
        expect(waiting.out).toContain("choose your own password");
        expect(await readdir(out)).toContain(name);
        expect(await readdir(out)).not.toContain("failed");
      } finally {
        await mustChange(false);
        t.hub.ctx.caches?.notice("principals");
      }
      expect((await agent(brookfield, out)).code).toBe(0);
      expect(await transfersNamed(name)).toHaveLength(1);
    });

    it("keeps running through a hub restart, and sends the file once the hub is back", async () => {
      const gateway = await startGateway(t.url);
      const out = await folder();
      const { name } = await drop(out);
      const said: string[] = [];
      let stop = () => {};
      const stopped = new Promise<void>((r) => {
        stop = r;
      });
      try {
        await gateway.down();
        // Back, but still starting: the hub's own 503s before it serves.
        gateway.refuse({
          method: "GET",
          path: "/api/v1/me",
          status: 503,
          code: "internal",
          times: 2,
        });
        const running = runAgent(
          {
            hub: gateway.url,
            token: brookfield,
            folder: out,
            inbox: out,
            settleMs: 1000,
            fileMode: 0o600,
            keepDays: 60,
            verdictWaitMs: 10_000,
            clock: () => new Date(),
          },
          { once: false, intervalSeconds: 0.05, say: (l) => said.push(l), stopped },
        );
        await new Promise((r) => setTimeout(r, 300));
        await gateway.up();
        const deadline = Date.now() + 20_000;
        while ((await transfersNamed(name)).length === 0 && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 100));
        stop();
        expect(await running).toBe(0);
        expect(await transfersNamed(name)).toHaveLength(1);
        expect(said.join("\n")).toContain("the hub cannot be reached");
        expect(said.join("\n")).toContain("the hub answers again");
      } finally {
        stop();
        await gateway.close();
      }
    });
  });
}
