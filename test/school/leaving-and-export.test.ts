/**
 * A school's leavers, from its register to their new schools on a real hub: destinations found
 * in the hub's directory, leaving details recorded, CTFs exported, checked and sent, their fate
 * followed; and what goes wrong on the way (a bad date, a closed school, a hub that is down, a
 * wrong token) said plainly, with nothing lost.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readCtf } from "../../src/ctf/read.js";
import { dayInWords } from "../../src/ctf/school-days.js";
import { findEstablishment, upsertEstablishment } from "../../src/hub/establishments.js";
import { misConfigFromEnv } from "../../src/school/config.js";
import { createDemoRegister } from "../../src/school/demo.js";
import { refreshFromHub } from "../../src/school/export.js";
import { initSchool } from "../../src/school/school.js";
import { type RunningMis, startMis } from "../../src/school/service.js";
import { createMisToken } from "../../src/school/tokens.js";
import { createMisUser } from "../../src/school/users.js";
import { DATABASES, freshPostgresUrl } from "../helpers/db.js";
import { startGateway } from "../helpers/gateway.js";
import { eventually, json, startTestHub, type TestHub } from "../helpers/hub.js";
import { PageClient } from "../helpers/pages.js";

const KEY_FILE = join(tmpdir(), `s2s-mis-leavers-${process.pid}.key`);

for (const { target, skip } of DATABASES) {
  // Each test makes many calls through a school side and a hub, both on this machine: on a
  // loaded one (CI, the browser journeys beside it) some take more than the usual 30 s.
  describe.skipIf(skip)(
    `leavers sent from the school side on ${target.name}`,
    { timeout: 90_000 },
    () => {
      let t: TestHub;
      let mis: RunningMis;
      let token: string;
      let hubToken: string;
      let drop: (() => Promise<void>) | undefined;
      const pupils: { id: string; surname: string; forename: string; upn: string }[] = [];

      const api = async (path: string, body?: unknown, method = body ? "POST" : "GET") =>
        fetch(`${mis.url}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body ? { "content-type": "application/json" } : {}),
          },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
      const connect = (hubUrl: string, tokenForHub = hubToken) =>
        initSchool(mis.ctx, {
          laestab: "8231234",
          name: "Brookfield Primary School",
          hubUrl,
          hubToken: tokenForHub,
        });

      beforeAll(async () => {
        t = await startTestHub(target.name);
        for (const [laestab, name, status] of [
          ["8231500", "Hilltop Academy", "open"],
          ["8232001", "Old Mill Primary School", "closed"],
        ] as const)
          await upsertEstablishment(t.hub.ctx.db, {
            laestab,
            urn: null,
            name,
            laCode: "823",
            laName: "Northshire",
            type: "Academy converter",
            status,
            independent: false,
          });
        const dataDir = await mkdtemp(join(tmpdir(), "s2s-mis-leavers-"));
        const env: Record<string, string> = { S2S_MASTER_KEY_FILE: KEY_FILE };
        if (target.name === "postgres") {
          const pg = await freshPostgresUrl();
          drop = pg.drop;
          env.MIS_DATABASE_URL = pg.url;
        }
        // The school side's today: 1 December 2026, a Tuesday.
        mis = await startMis(
          misConfigFromEnv(env, { dataDir, port: 0, pgliteTemplate: inject("misPgliteTemplate") }),
          {
            retryMs: 300,
            clock: () => new Date("2026-12-01T10:00:00Z"),
          },
        );
        hubToken = await t.token("brookfield");
        await connect(t.url);
        await createMisUser(mis.ctx, null, {
          username: "office1",
          email: "office@example.org",
          role: "manager",
        });
        token = await createMisToken(mis.ctx, null, "office1");
        await createDemoRegister(mis.ctx, 12, 4);
        const listed = await json(await api("/api/v1/pupils"));
        pupils.push(...listed.pupils);
      }, 120_000);

      afterAll(async () => {
        await mis?.stop();
        await t?.stop();
        await drop?.();
      });

      it("says what is wrong with the hub connection: nothing, the token, or the token's school", async () => {
        expect(await json(await api("/api/v1/hub-connection"))).toEqual({
          ok: true,
          school: "8231234",
        });
        await connect(t.url, "s2s_not-a-token");
        expect(await json(await api("/api/v1/hub-connection"))).toMatchObject({
          ok: false,
          problem: "token",
        });
        await connect(t.url, await t.token("meadowlane"));
        expect(await json(await api("/api/v1/hub-connection"))).toMatchObject({
          ok: false,
          problem: "school",
          message: expect.stringContaining("not of this school (8231234)"),
        });
        await connect("http://127.0.0.1:1");
        expect(await json(await api("/api/v1/hub-connection"))).toMatchObject({
          ok: false,
          problem: "address",
        });
        await connect(t.url);
      });

      it("adds destinations from the hub's directory, and refuses a closed or unknown one", async () => {
        const found = await json(await api("/api/v1/directory?q=meadow"));
        expect(found.establishments.map((e: { laestab: string }) => e.laestab)).toContain(
          "9382001",
        );
        const added = await api("/api/v1/associated-schools", { laestab: "9382001", code: "MLP" });
        expect(added.status).toBe(201);
        expect(await json(added)).toMatchObject({
          laestab: "9382001",
          name: "Meadow Lane Primary School",
          code: "MLP",
          feeder: false,
        });
        expect((await api("/api/v1/associated-schools", { laestab: "8231500" })).status).toBe(201);
        expect((await api("/api/v1/associated-schools", { laestab: "9382001" })).status).toBe(409);
        const closed = await api("/api/v1/associated-schools", { laestab: "8232001" });
        expect(closed.status).toBe(400);
        expect((await json(closed)).error.message).toContain(
          "Old Mill Primary School (8232001) is closed",
        );
        // Hillcrest Junior closed when it became Hillcrest Academy: the directory says so, found by
        // its town as well as its name, and the refusal names the school to add instead.
        const inNortham = await json(await api("/api/v1/directory?q=NORTHAM"));
        const junior = inNortham.establishments.find(
          (e: { laestab: string }) => e.laestab === "8232005",
        );
        expect(junior).toMatchObject({
          town: "Northam",
          status: "closed",
          successor: { laestab: "8231235", name: "Hillcrest Academy" },
        });
        const replaced = await api("/api/v1/associated-schools", { laestab: "8232005" });
        expect(replaced.status).toBe(400);
        expect((await json(replaced)).error.message).toContain(
          "Hillcrest Academy (8231235) took it over: add that school instead",
        );
        const unknown = await api("/api/v1/associated-schools", { laestab: "1234567" });
        expect((await json(unknown)).error.message).toContain("no school 1234567 in the directory");
        const list = await json(await api("/api/v1/associated-schools"));
        expect(list.schools.map((s: { laestab: string }) => s.laestab)).toEqual([
          "8231500",
          "9382001",
        ]);
        // Its code and feeder flag can be changed, and it can be removed while nobody is going.
        const patch = (laestab: string, body: unknown, method = "PATCH") =>
          api(`/api/v1/associated-schools/${laestab}`, body, method);
        const changed = await patch("8231500", { code: "HT1", feeder: true });
        expect(changed.status).toBe(200);
        expect(await json(changed)).toMatchObject({
          laestab: "8231500",
          code: "HT1",
          feeder: true,
        });
        expect((await json(await patch("8231500", { code: null }))).code).toBeNull();
        expect((await patch("8231500", { code: "far too long a code" })).status).toBe(400);
        expect((await patch("1234567", { feeder: false })).status).toBe(404);
        expect((await api("/api/v1/associated-schools", { laestab: "9384002" })).status).toBe(201);
        expect((await patch("9384002", undefined, "DELETE")).status).toBe(204);
        expect((await patch("9384002", undefined, "DELETE")).status).toBe(404);
        const kept = (await json(await api("/api/v1/associated-schools"))).schools;
        expect(kept.map((s: { laestab: string }) => s.laestab)).toEqual(["8231500", "9382001"]);
        const audited = await mis.ctx.db
          .selectFrom("audit_events")
          .select("action")
          .where("action", "in", ["associated-school.update", "associated-school.remove"])
          .execute();
        expect(audited.length).toBe(3);
      });

      it("offers the CBDS leaving reasons with their meanings: PM is a move at the end of a phase, PE an exclusion", async () => {
        const reasons: { code: string; description: string }[] = (
          await json(await api("/api/v1/leaving-reasons"))
        ).reasons;
        const meaning = new Map(reasons.map((r) => [r.code, r.description]));
        expect(meaning.get("PM")).toBe("End of phase transfer - Maintained school");
        expect(meaning.get("PE")).toBe("Permanent Exclusion");
        expect(meaning.get("IM")).toBe("In year transfer - Maintained school");
        // Every current code of D00206, and none of its historic ones, for a new record.
        expect(reasons.map((r) => r.code).sort()).toEqual(
          [
            "PM",
            "PI",
            "PF",
            "IM",
            "II",
            "IF",
            "NH",
            "NT",
            "NE",
            "NU",
            "EL",
            "PE",
            "LC",
            "DD",
            "OR",
            "MI",
            "UK",
          ].sort(),
        );
        const [a] = pupils;
        const historic = await api(`/api/v1/pupils/${a?.id}/leaving`, {
          date: "2026-10-20",
          reason: "ST",
          destination: "9382001",
        });
        expect(historic.status).toBe(400);
        expect((await json(historic)).error).toMatchObject({
          field: "reason",
          message: expect.stringContaining(
            "ST (School Transfer (Mid-Year)) is no longer used for new records",
          ),
        });
        // A word any JavaScript object answers to is no code either.
        const inherited = await api(`/api/v1/pupils/${a?.id}/leaving`, {
          date: "2026-10-20",
          reason: "constructor",
          destination: "9382001",
        });
        expect(inherited.status).toBe(400);
        expect((await json(inherited)).error.message).toMatch(/^Choose a leaving reason: PM, /);
      });

      it("records leaving details, refusing a date before admission and a destination not associated", async () => {
        const reasons = (await json(await api("/api/v1/leaving-reasons"))).reasons;
        expect(reasons.length).toBeGreaterThan(2);
        const [a] = pupils;
        const record = await json(await api(`/api/v1/pupils/${a?.id}`));
        const early = await api(`/api/v1/pupils/${a?.id}/leaving`, {
          date: "2000-01-01",
          reason: "IM",
          destination: "9382001",
        });
        expect(early.status).toBe(400);
        expect(await json(early)).toMatchObject({
          error: {
            field: "date",
            // Dates in words, as the office reads them.
            message: `The leaving date 1 January 2000 is before the pupil's admission on ${dayInWords(record.admissionDate)}.`,
          },
        });
        const elsewhere = await api(`/api/v1/pupils/${a?.id}/leaving`, {
          date: "2026-10-20",
          reason: "IM",
          destination: "8232001",
        });
        expect((await json(elsewhere)).error.field).toBe("destination");
        const plan: [number, string][] = [
          [0, "9382001"],
          [1, "9382001"],
          [2, "8231500"],
          [3, "XXXXXXX"],
        ];
        for (const [i, destination] of plan) {
          const r = await api(`/api/v1/pupils/${pupils[i]?.id}/leaving`, {
            date: "2026-10-20",
            reason: "IM",
            destination,
          });
          expect(r.status).toBe(200);
        }
        const after = await json(await api(`/api/v1/pupils/${a?.id}`));
        expect(after).toMatchObject({
          status: "left",
          leaving: { date: "2026-10-20", reason: "IM", destination: "9382001" },
        });
      });

      it("records the same leaving details for several pupils, all or none, naming each refusal", async () => {
        const [a, b] = pupils.slice(10);
        const records = await Promise.all(
          [a, b].map(async (x) => json(await api(`/api/v1/pupils/${x?.id}`))),
        );
        const before = records
          .map((r) => r.admissionDate as string)
          .sort()
          .at(-1) as string;
        // A day before the later admission: that pupil is named, and neither is saved.
        const early = new Date(Date.parse(`${before}T00:00:00Z`) - 86_400_000)
          .toISOString()
          .slice(0, 10);
        const refused = await api("/api/v1/leaving", {
          pupils: [a?.id, b?.id],
          date: early,
          reason: "IM",
          destination: "MMMMMMM",
        });
        expect(refused.status).toBe(400);
        const late = records.find((r) => r.admissionDate === before);
        const message = (await json(refused)).error.message;
        expect(message).toContain(
          `${late.surname} ${late.forename} (UPN ${late.upn}) on ${dayInWords(before)}`,
        );
        expect(message).toContain("Nothing was saved.");
        for (const x of [a, b])
          expect((await json(await api(`/api/v1/pupils/${x?.id}`))).leaving).toBeNull();
        const saved = await api("/api/v1/leaving", {
          pupils: [a?.id, b?.id],
          date: "2026-11-30",
          reason: "IM",
          destination: "MMMMMMM",
        });
        expect(await json(saved)).toMatchObject({ pupils: 2, destination: "MMMMMMM" });
        for (const x of [a, b])
          expect((await json(await api(`/api/v1/pupils/${x?.id}`))).leaving).toEqual({
            date: "2026-11-30",
            reason: "IM",
            destination: "MMMMMMM",
          });
      });

      it("refuses to export a pupil without leaving details, naming each", async () => {
        const p = pupils[5];
        const r = await api("/api/v1/exports", { pupils: [pupils[0]?.id, p?.id], send: true });
        expect(r.status).toBe(400);
        expect((await json(r)).error.message).toContain(
          `${p?.surname} ${p?.forename} (UPN ${p?.upn}): no leaving reason, no leaving date, no destination`,
        );
        expect((await json(await api("/api/v1/exports"))).exports).toEqual([]);
      });

      it("exports one file a school and one for the unknown destination, sends them, and follows what happens", async () => {
        const r = await api("/api/v1/exports", {
          pupils: pupils.slice(0, 4).map((p) => p.id),
          send: true,
        });
        expect(r.status).toBe(201);
        const { exports } = await json(r);
        const byDest = Object.fromEntries(
          exports.map((e: { destination: string }) => [e.destination, e]),
        );
        expect(Object.keys(byDest).sort()).toEqual(["8231500", "9382001", "XXXXXXX"]);
        expect(byDest["9382001"]).toMatchObject({
          fileName: expect.stringMatching(/^8231234_CTF_9382001_\d{3}\.XML$/),
          destinationName: "Meadow Lane Primary School",
          destinationText: "Meadow Lane Primary School (9382001)",
          pupils: expect.arrayContaining([pupils[0]?.id, pupils[1]?.id]),
          transferId: expect.any(String),
        });
        expect(byDest.XXXXXXX.destinationName).toBe("Lost Pupils database");
        // The file arrives at Meadow Lane, byte for byte, with both pupils.
        const meadow = await t.token("meadowlane");
        const id = byDest["9382001"].transferId;
        const arrived = await eventually("the file at Meadow Lane", async () => {
          const view = await json(await t.api(meadow, `/api/v1/transfers/${id}`));
          return view.status === "available" ? view : undefined;
        });
        expect(arrived.pupilCount).toBe(2);
        const file = await (await api(`/api/v1/exports/${byDest["9382001"].id}/file`)).text();
        await t.api(meadow, `/api/v1/transfers/${id}/accept`, { method: "POST" });
        expect(await (await t.api(meadow, `/api/v1/transfers/${id}/content`)).text()).toBe(file);
        expect(file).toContain("<LeavingReason>IM</LeavingReason>");
        // Made on 1 December 2026: the academic year 2026/27's version, and this school's URN
        // (from the hub's directory) in the header and in the stay at this school it closes.
        const ownUrn = (await findEstablishment(t.hub.ctx.db, "8231234"))?.urn as string;
        expect(ownUrn).toMatch(/^\d{6}$/);
        const header = (await readCtf(file, {})).document?.header;
        expect(header).toMatchObject({
          version: "26.0",
          sourceSchool: { lea: "823", estab: "1234", urn: ownUrn, academicYear: "2026" },
        });
        const stays = (await readCtf(file, {})).document?.pupils.map((p) =>
          p.schoolHistory?.find((h) => h.lea === "823" && h.estab === "1234"),
        );
        for (const stay of stays ?? [])
          expect(stay).toMatchObject({
            urn: ownUrn,
            leavingDate: "2026-10-20",
            leavingReason: "IM",
          });
        // Hilltop's file is waiting for it; the unknown destination's is in the Lost Pupils database.
        const hilltop = await t.hub.ctx.db
          .selectFrom("transfers")
          .select(["status", "dest_laestab"])
          .where("id", "in", [byDest["8231500"].transferId, byDest.XXXXXXX.transferId])
          .execute();
        await eventually("both other files checked", async () => {
          const rows = await t.hub.ctx.db
            .selectFrom("transfers")
            .select("status")
            .where("id", "in", [byDest["8231500"].transferId, byDest.XXXXXXX.transferId])
            .execute();
          return rows.every((x) => x.status !== "checking") ? rows : undefined;
        });
        expect(hilltop.map((h) => h.dest_laestab).sort()).toEqual(["8231500", "XXXXXXX"]);
        const statuses = await json(await api("/api/v1/exports"));
        const now = Object.fromEntries(
          statuses.exports.map((e: { destination: string; status: string }) => [
            e.destination,
            e.status,
          ]),
        );
        expect(now).toEqual({ "9382001": "downloaded", "8231500": "available", XXXXXXX: "lost" });
        // In words for the office, naming the school, as the exports page shows them.
        const words = Object.fromEntries(
          statuses.exports.map((e: { destination: string; statusText: string }) => [
            e.destination,
            e.statusText,
          ]),
        );
        expect(words).toEqual({
          "9382001": "Collected by Meadow Lane Primary School (9382001)",
          "8231500": "Waiting for Hilltop Academy (8231500) to collect it",
          XXXXXXX: "Sent to the Lost Pupils database",
        });
      });

      it("shows a rejection and its reason once the new school rejects a file", async () => {
        const [p] = pupils.slice(6);
        await api(`/api/v1/pupils/${p?.id}/leaving`, {
          date: "2026-10-21",
          reason: "IM",
          destination: "9382001",
        });
        const made = (await json(await api("/api/v1/exports", { pupils: [p?.id], send: true })))
          .exports[0];
        const meadow = await t.token("meadowlane");
        await eventually("the file to be checked", async () => {
          const v = await json(await t.api(meadow, `/api/v1/transfers/${made.transferId}`));
          return v.status === "available" ? v : undefined;
        });
        const rejected = await t.api(meadow, `/api/v1/transfers/${made.transferId}/reject`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ reason: "This pupil never started with us" }),
        });
        expect(rejected.status).toBe(200);
        const listed = (await json(await api("/api/v1/exports"))).exports.find(
          (e: { id: string }) => e.id === made.id,
        );
        expect(listed).toMatchObject({
          status: "rejected",
          statusText:
            "Rejected by Meadow Lane Primary School (9382001): “This pupil never started with us”",
          detail: { rejectReason: "This pupil never started with us" },
        });
      });

      it("follows every open file with one paged list from the hub, not a request for each", async () => {
        const open = await mis.ctx.db
          .selectFrom("exports")
          .select("id")
          .where("status", "=", "sent")
          .where("hub_status", "in", ["checking", "available", "lost", "outside"])
          .execute();
        expect(open.length).toBeGreaterThanOrEqual(2);
        await mis.ctx.db
          .updateTable("exports")
          .set({ hub_status: "checking" })
          .where(
            "id",
            "in",
            open.map((o) => o.id),
          )
          .execute();
        const gateway = await startGateway(t.url);
        try {
          await connect(gateway.url);
          await refreshFromHub(mis.ctx);
          const asked = gateway.requests.filter((r) => r.startsWith("GET "));
          expect(asked.filter((r) => r.startsWith("GET /api/v1/transfers/"))).toEqual([]);
          // One list read (the follow-up job may read it too), never a file at a time.
          expect(asked.filter((r) => r.startsWith("GET /api/v1/sent")).length).toBeGreaterThan(0);
          const after = await mis.ctx.db
            .selectFrom("exports")
            .select("hub_status")
            .where(
              "id",
              "in",
              open.map((o) => o.id),
            )
            .execute();
          expect(after.every((a) => a.hub_status !== "checking")).toBe(true);
        } finally {
          await connect(t.url);
          await gateway.close();
        }
      });

      it("keeps a file while the hub is down, says so, and sends it when the hub is back", async () => {
        const [p] = pupils.slice(7);
        await api(`/api/v1/pupils/${p?.id}/leaving`, {
          date: "2026-10-22",
          reason: "IM",
          destination: "8231500",
        });
        await connect("http://127.0.0.1:1");
        const r = await api("/api/v1/exports", { pupils: [p?.id], send: true });
        expect(r.status).toBe(201);
        const [waiting] = (await json(r)).exports;
        expect(waiting).toMatchObject({
          status: "waiting",
          transferId: null,
          lastError: expect.stringContaining("cannot be reached"),
        });
        await connect(t.url);
        const sent = await eventually("the waiting file to go", async () => {
          const e = (await json(await api("/api/v1/exports"))).exports.find(
            (x: { id: string }) => x.id === waiting.id,
          );
          return e.transferId ? e : undefined;
        });
        expect(sent.lastError).toBeNull();
        const there = await t.hub.ctx.db
          .selectFrom("transfers")
          .select("file_name")
          .where("id", "=", sent.transferId)
          .executeTakeFirstOrThrow();
        expect(there.file_name).toBe(waiting.fileName);
      });

      it("keeps files back in the data exchange folder when the school chooses, and sends one later", async () => {
        const folder = await mkdtemp(join(tmpdir(), "s2s-exchange-"));
        const relative = await api("/api/v1/settings", { exchangeFolder: "ctf" }, "PATCH");
        expect(relative.status).toBe(400);
        expect((await json(relative)).error).toMatchObject({ field: "exchangeFolder" });
        const missing = await api(
          "/api/v1/settings",
          { exchangeFolder: join(folder, "nowhere") },
          "PATCH",
        );
        expect((await json(missing)).error.message).toContain("There is no folder");
        const set = await api("/api/v1/settings", { exchangeFolder: folder }, "PATCH");
        expect(await json(set)).toMatchObject({ laestab: "8231234", exchangeFolder: folder });

        // Leaving yesterday: not overdue, so the overdue count below is not disturbed.
        const [p, q] = pupils.slice(8);
        for (const x of [p, q])
          await api(`/api/v1/pupils/${x?.id}/leaving`, {
            date: "2026-11-30",
            reason: "IM",
            destination: "9382001",
          });
        const kept = (await json(await api("/api/v1/exports", { pupils: [p?.id], send: false })))
          .exports[0];
        expect(kept).toMatchObject({
          status: "saved",
          transferId: null,
          savedTo: join(folder, kept.fileName),
          lastError: null,
        });
        const onDisk = await readFile(join(folder, kept.fileName), "utf8");
        expect(onDisk).toBe(await (await api(`/api/v1/exports/${kept.id}/file`)).text());
        expect((await readdir(folder)).sort()).toEqual([kept.fileName]);
        // Reading the file is reading pupils' data: audited, by whom.
        const read = await mis.ctx.db
          .selectFrom("audit_events")
          .select(["username", "detail"])
          .where("action", "=", "export.download")
          .where("target", "=", `export:${kept.id}`)
          .execute();
        expect(read).toEqual([
          { username: "office1", detail: { fileName: kept.fileName, pupils: 1 } },
        ]);

        // The folder has gone (a share unmounted): the file is kept here, and says so.
        await rm(folder, { recursive: true });
        const stranded = (
          await json(await api("/api/v1/exports", { pupils: [q?.id], send: false }))
        ).exports[0];
        expect(stranded).toMatchObject({
          status: "saved",
          savedTo: null,
          lastError: expect.stringContaining("Not written to the data exchange folder"),
        });
        const sending = await api(`/api/v1/exports/${stranded.id}/send`, {});
        expect(sending.status).toBe(200);
        const sent = await json(sending);
        expect(sent).toMatchObject({
          id: stranded.id,
          transferId: expect.any(String),
          lastError: null,
        });
        const again = await api(`/api/v1/exports/${stranded.id}/send`, {});
        expect(again.status).toBe(409);
        const there = await t.hub.ctx.db
          .selectFrom("transfers")
          .select("file_name")
          .where("id", "=", sent.transferId)
          .executeTakeFirstOrThrow();
        expect(there.file_name).toBe(stranded.fileName);
        await api("/api/v1/settings", { exchangeFolder: "" }, "PATCH");
      });

      it("lists leavers whose file no destination has downloaded after 15 school days, counted on the calendar", async () => {
        const overdue = (await json(await api("/api/v1/overdue"))).pupils;
        const days = Object.fromEntries(
          overdue.map((o: { id: string; schoolDaysSince: number }) => [o.id, o.schoolDaysSince]),
        );
        // Downloaded (Meadow Lane) or in the Lost Pupils database: done. Waiting at Hilltop,
        // rejected, or sent late: overdue. 20 October to 1 December is 25 school days, the
        // autumn half term not counted.
        expect(days).toEqual({
          [pupils[2]?.id as string]: 25,
          [pupils[6]?.id as string]: 24,
          [pupils[7]?.id as string]: 23,
        });
        // Each says where its file stands and what to do: collected late, or sent again.
        const fileOf = (i: number) =>
          overdue.find((o: { id: string }) => o.id === pupils[i]?.id).file;
        expect(fileOf(2)).toMatchObject({ kind: "not-collected" });
        // Hilltop is where that file waits: it cannot be removed until the file arrives.
        const removing = await api("/api/v1/associated-schools/8231500", undefined, "DELETE");
        expect(removing.status).toBe(409);
        expect((await json(removing)).error.message).toContain("their file has not arrived yet");
        expect(fileOf(2).text).toContain("the new school has not collected it");
        expect(fileOf(6)).toMatchObject({
          kind: "not-arrived",
          why: "The new school rejected it: “This pupil never started with us”",
        });
        // On the pages: the rejected leaver is offered again for export, with why and a way to
        // correct the details (pre-filled), and the overdue list says what to do.
        await createMisUser(mis.ctx, null, {
          username: "office-pages",
          email: "pages@example.org",
          role: "staff",
          password: "a long office passphrase",
        });
        const office = new PageClient(mis.url);
        await office.signIn("office-pages", "a long office passphrase");
        const exportsPage = await (await office.request("/exports")).text();
        expect(exportsPage).toContain("Their last file did not arrive.");
        expect(exportsPage).toContain(`value="${pupils[6]?.id}"`);
        expect(exportsPage).toContain(`href="/pupils/${pupils[6]?.id}#leaving"`);
        expect(exportsPage).not.toContain(`value="${pupils[2]?.id}"`);
        const pupilPage = await (await office.request(`/pupils/${pupils[6]?.id}`)).text();
        expect(pupilPage).toContain("Their file: The new school rejected it");
        expect(pupilPage).toMatch(/name="date-day"[^>]*value="21"/);
        expect(pupilPage).toMatch(/<option value="9382001" selected>/);
        const overduePage = await (await office.request("/overdue")).text();
        expect(overduePage).toContain("Correct and send again");
        expect(overduePage).toContain("has not collected it yet");
        // Destinations by name, statuses in words, on the exports and overdue pages.
        expect(overduePage).toContain("Meadow Lane Primary School (9382001)");
        expect(exportsPage).toContain("Waiting for Hilltop Academy (8231500) to collect it");
        expect(exportsPage).toContain("to Meadow Lane Primary School (9382001)");
        expect(exportsPage).not.toMatch(/>\s*(available|downloaded|rejected|lost)\s*</);
        // A pupil's files found by their name, posted (never in the address), and audited so.
        const rejected = pupils[6] as { surname: string; id: string };
        const found = await office.post("/exports/search", {
          _csrf: await office.token(),
          q: rejected.surname.slice(0, 3),
        });
        expect(found.status).toBe(200);
        const foundPage = await found.text();
        expect(foundPage).toMatch(/\d+ files? holds? a pupil whose name starts with/);
        expect(foundPage).toContain("Rejected by Meadow Lane Primary School (9382001)");
        const bad = await office.post("/exports/search", { _csrf: await office.token(), q: "1" });
        expect(bad.status).toBe(400);
        expect(await bad.text()).toContain("letters only");
        const searched = await mis.ctx.db
          .selectFrom("audit_events")
          .select("detail")
          .where("action", "=", "exports.search")
          .execute();
        expect(searched).toHaveLength(1);
        expect(JSON.stringify(searched)).not.toContain(rejected.surname.slice(0, 3));
        // The school gives its own dates for 2026/27 (they replace England's usual ones for that
        // year): the same half term, and a week of INSET days, which are not school days.
        for (const closure of [
          { firstDay: "2026-10-26", lastDay: "2026-10-30", kind: "half-term", label: "Half term" },
          { firstDay: "2026-11-16", lastDay: "2026-11-20", kind: "inset", label: "Training week" },
        ])
          expect((await api("/api/v1/calendar/closures", closure)).status).toBe(201);
        const after = (await json(await api("/api/v1/overdue"))).pupils;
        expect(after.map((o: { schoolDaysSince: number }) => o.schoolDaysSince)).toEqual([
          20, 19, 18,
        ]);
        const year = (await json(await api("/api/v1/calendar?year=2026"))).closures;
        expect(year.map((c: { label: string }) => c.label)).toEqual(["Half term", "Training week"]);

        // The leavers' report: every leaver of 2026/27, why and where in words, and their file.
        const report = await json(await api("/api/v1/leavers-report?year=2026"));
        expect(report.label).toBe("2026/27");
        const rejectedRow = report.leavers.find((l: { id: string }) => l.id === pupils[6]?.id);
        expect(rejectedRow).toMatchObject({
          leavingDate: "2026-10-21",
          reasonText: "In year transfer - Maintained school",
          destinationName: "Meadow Lane Primary School (9382001)",
          file: { kind: "not-arrived" },
        });
        expect(report.arrived).toBe(
          report.leavers.filter((l: { file: { kind: string } }) => l.file.kind === "arrived")
            .length,
        );
        expect(report.arrived).toBeGreaterThan(0);
        expect((await json(await api("/api/v1/leavers-report?year=2025"))).leavers).toEqual([]);
        const printable = await (await office.request("/leavers-report?year=2026")).text();
        expect(printable).toContain("Leavers&#39; report");
        expect(printable).toContain(`href="/pupils/${pupils[6]?.id}"`);
        expect(printable).toContain("Printed from");
        expect((await office.request("/leavers-report?year=1066")).status).toBe(400);
      });
    },
  );
}
