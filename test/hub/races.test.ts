/**
 * Two people acting on one file at the same moment: exactly one wins, every time, on both
 * databases, and the loser is told the file changed (409), never a second success.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { runRetention } from "../../src/hub/retention.js";
import { createUser } from "../../src/hub/users.js";
import { DATABASES } from "../helpers/db.js";
import { json, sendAndCheck, startTestHub, type TestHub } from "../helpers/hub.js";

const ROUNDS = 12;

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`racing actions on one file, on ${target.name}`, () => {
    let t: TestHub;
    let sender = ""; // Brookfield, 8231234
    let receiver = ""; // Meadow Lane, 9382001
    let la = ""; // Northshire, 823
    let otherLa = ""; // Southvale, 938
    let seed = 1000;

    beforeAll(async () => {
      t = await startTestHub(target.name);
      for (const [username, laCode] of [
        ["race-la-823", "823"],
        ["race-la-938", "938"],
      ] as const)
        await createUser(t.hub.ctx, null, {
          username,
          email: `${username}@users.invalid`,
          role: "la",
          laCode,
        });
      sender = await t.token("brookfield");
      receiver = await t.token("meadowlane");
      la = await t.token("race-la-823");
      otherLa = await t.token("race-la-938");
    }, 120_000);
    afterAll(() => t?.stop());

    /** A new file, checked; each has other pupils so that none is a duplicate of another. */
    async function fileTo(dest: string): Promise<string> {
      seed++;
      const xml = writeCtf(generateCtf({ from: "8231234", to: dest, pupils: 1, seed }));
      const name = `8231234_CTF_${dest}_${String(seed % 999 || 1).padStart(3, "0")}.XML`;
      return (await sendAndCheck(t, sender, name, xml)).id;
    }

    const post = (token: string, path: string, body?: unknown) =>
      t.api(token, path, {
        method: "POST",
        ...(body === undefined
          ? {}
          : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
      });
    const del = (token: string, path: string) => t.api(token, path, { method: "DELETE" });

    async function race(a: () => Promise<Response>, b: () => Promise<Response>) {
      const [ra, rb] = await Promise.all([a(), b()]);
      const statuses = [ra.status, rb.status];
      const wins = statuses.filter((s) => s < 300).length;
      const loser = ra.status < 300 ? rb : ra;
      const loserCode = loser.status === 204 ? undefined : (await json(loser)).error?.code;
      return { statuses, wins, aWon: ra.status < 300, loserCode };
    }

    async function statusOf(id: string): Promise<string> {
      const row = await t.hub.ctx.db
        .selectFrom("transfers")
        .select("status")
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      return row.status;
    }

    async function audits(id: string, action: string): Promise<number> {
      const rows = await t.hub.ctx.db
        .selectFrom("audit_events")
        .select("id")
        .where("target", "=", `transfer:${id}`)
        .where("action", "=", action)
        .execute();
      return rows.length;
    }

    it("accept and reject: one wins, and the file is what the winner made it", async () => {
      for (let i = 0; i < ROUNDS; i++) {
        const id = await fileTo("9382001");
        const r = await race(
          () => post(receiver, `/api/v1/transfers/${id}/accept`),
          () => post(receiver, `/api/v1/transfers/${id}/reject`, { reason: "Not our pupil" }),
        );
        expect(r.wins, `round ${i}: ${r.statuses}`).toBe(1);
        expect(r.statuses).toContain(409);
        expect(r.loserCode).toBe("transfer.state");
        expect(await statusOf(id)).toBe(r.aWon ? "downloaded" : "rejected");
        expect(await audits(id, "reject")).toBe(r.aWon ? 0 : 1);
      }
    });

    it("the receiver accepts while the sender removes: one wins", async () => {
      for (let i = 0; i < ROUNDS; i++) {
        const id = await fileTo("9382001");
        const r = await race(
          () => post(receiver, `/api/v1/transfers/${id}/accept`),
          () => del(sender, `/api/v1/transfers/${id}`),
        );
        expect(r.wins, `round ${i}: ${r.statuses}`).toBe(1);
        expect(await statusOf(id)).toBe(r.aWon ? "downloaded" : "removed");
        // The winner's file is whole: an accepted file can still be downloaded.
        if (r.aWon)
          expect((await t.api(receiver, `/api/v1/transfers/${id}/content`)).status).toBe(200);
      }
    });

    it("the receiver rejects while the sender removes: one wins, one mail at most", async () => {
      for (let i = 0; i < ROUNDS; i++) {
        const id = await fileTo("9382001");
        const r = await race(
          () => post(receiver, `/api/v1/transfers/${id}/reject`, { reason: "Wrong school" }),
          () => del(sender, `/api/v1/transfers/${id}`),
        );
        expect(r.wins, `round ${i}: ${r.statuses}`).toBe(1);
        expect(await statusOf(id)).toBe(r.aWon ? "rejected" : "removed");
        expect((await audits(id, "reject")) + (await audits(id, "remove"))).toBe(1);
      }
    });

    it("two LAs pass one lost pupil's file on to different schools: one wins", async () => {
      for (let i = 0; i < ROUNDS; i++) {
        const id = await fileTo("XXXXXXX");
        const r = await race(
          () => post(la, `/api/v1/transfers/${id}/redirect`, { to: "8231235" }),
          () => post(otherLa, `/api/v1/transfers/${id}/redirect`, { to: "9382001" }),
        );
        expect(r.wins, `round ${i}: ${r.statuses}`).toBe(1);
        const row = await t.hub.ctx.db
          .selectFrom("transfers")
          .select(["status", "dest_laestab"])
          .where("id", "=", id)
          .executeTakeFirstOrThrow();
        expect(row).toEqual({ status: "available", dest_laestab: r.aWon ? "8231235" : "9382001" });
        expect(await audits(id, "redirect")).toBe(1);
      }
    });

    it("expiry and accept at the same moment: one wins, and an expired file is not accepted", async () => {
      const ids: string[] = [];
      for (let i = 0; i < ROUNDS; i++) ids.push(await fileTo("9382001"));
      t.advanceDays(61);
      try {
        const results = await Promise.all([
          runRetention(t.hub.ctx),
          ...ids.map((id) => post(receiver, `/api/v1/transfers/${id}/accept`)),
        ]);
        const accepts = results.slice(1) as Response[];
        for (const [i, id] of ids.entries()) {
          const status = await statusOf(id);
          const accepted = (accepts[i] as Response).status === 200;
          expect(status).toBe(accepted ? "downloaded" : "expired");
          expect(await audits(id, "expire")).toBe(accepted ? 0 : 1);
        }
      } finally {
        t.advanceDays(-61);
      }
    });

    it("several retention runs at once warn, expire and audit each file once", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push(await fileTo("9382001"));
      t.advanceDays(55);
      try {
        const runs = () => Promise.all([1, 2, 3].map(() => runRetention(t.hub.ctx)));
        await runs();
        t.advanceDays(6);
        await runs();
      } finally {
        t.advanceDays(-61);
      }
      const rows = await t.hub.ctx.db
        .selectFrom("transfers")
        .select(["id", "file_name", "status"])
        .where("id", "in", ids)
        .execute();
      const subjects = (
        await t.hub.ctx.db.selectFrom("mail_outbox").select("subject").execute()
      ).map((m) => m.subject);
      for (const row of rows) {
        expect(row.status).toBe("expired");
        expect(await audits(row.id, "expire")).toBe(1);
        const about = subjects.filter((s) => s.includes(row.file_name));
        expect(about.filter((s) => s.endsWith("has not been downloaded"))).toHaveLength(1);
        expect(about.filter((s) => s.endsWith("expired without being downloaded"))).toHaveLength(1);
      }
    });
  });
}
