/**
 * The serving process caches credentials and inboxes. These tests change the database the way
 * another process would (a separate connection on PostgreSQL, plain SQL on PGlite, never our
 * domain functions) and check the cached answers follow at once or within moments.
 */
import { CompiledQuery } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { createToken } from "../../src/hub/tokens.js";
import { DATABASES } from "../helpers/db.js";
import { eventually, json, startTestHub, type TestHub } from "../helpers/hub.js";

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`cached answers follow the database on ${target.name}`, () => {
    let t: TestHub;
    let other: { query(text: string, values?: unknown[]): Promise<unknown>; end(): Promise<void> };
    let brookfield = "";
    let meadow = "";

    beforeAll(async () => {
      t = await startTestHub(target.name);
      if (t.config.databaseUrl) {
        const c = new pg.Client({ connectionString: t.config.databaseUrl });
        await c.connect();
        other = c;
      } else {
        other = {
          // PGlite has no second connection: plain SQL through the hub's own database handle.
          query: (text, values = []) => t.hub.ctx.db.executeQuery(CompiledQuery.raw(text, values)),
          end: async () => {},
        };
      }
      brookfield = await t.token("brookfield");
      meadow = await t.token("meadowlane");
    }, 60_000);

    afterAll(async () => {
      await other?.end();
      await t?.stop();
    });

    async function sendOne(seed: number) {
      const form = new FormData();
      const xml = writeCtf(generateCtf({ from: "8231234", to: "9382001", pupils: 2, seed }));
      const name = `8231234_CTF_9382001_${String(seed).padStart(3, "0")}.XML`;
      form.set("file", new Blob([xml]), name);
      const r = await t.api(brookfield, "/api/v1/transfers", { method: "POST", body: form });
      expect(r.status).toBe(202);
      const { id } = await json(r);
      await eventually("the file in the inbox", async () => {
        const inbox = await json(await t.api(meadow, "/api/v1/inbox"));
        return inbox.transfers.some((x: { id: string }) => x.id === id) ? true : undefined;
      });
      return id as string;
    }

    const inboxIds = async () =>
      (await json(await t.api(meadow, "/api/v1/inbox"))).transfers.map((x: { id: string }) => x.id);

    it("an inbox drops a file another process removed, and shows a renamed sender", async () => {
      const id = await sendOne(1);
      expect(await inboxIds()).toContain(id); // now cached
      await other.query("update transfers set status = 'removed' where id = $1", [id]);
      await eventually("the removed file to leave the inbox", async () =>
        (await inboxIds()).includes(id) ? undefined : true,
      );

      const kept = await sendOne(2);
      expect(await inboxIds()).toContain(kept);
      await other.query(
        "update establishments set name = 'Brookfield Renamed' where laestab = $1",
        ["8231234"],
      );
      const renamed = await eventually("the new sender name in the inbox", async () => {
        const inbox = await json(await t.api(meadow, "/api/v1/inbox"));
        const x = inbox.transfers.find((f: { id: string }) => f.id === kept);
        return x?.source.name === "Brookfield Renamed" ? x : undefined;
      });
      expect(renamed.source.laestab).toBe("8231234");
    });

    it("the receiver who rejects a file no longer sees it on the very next request", async () => {
      const id = await sendOne(3);
      expect(await inboxIds()).toContain(id);
      const r = await t.api(meadow, `/api/v1/transfers/${id}/reject`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ reason: "Not our pupil" }),
      });
      expect(r.status).toBe(200);
      expect(await inboxIds()).not.toContain(id);
    });

    it("a token revoked by an admin fails on the very next request", async () => {
      const admin = await t.token("admin");
      const { id, token } = await createToken(t.hub.ctx, null, "meadowlane");
      expect((await t.api(token, "/api/v1/me")).status).toBe(200); // now cached
      const r = await t.api(admin, `/api/v1/admin/tokens/${id}`, { method: "DELETE" });
      expect(r.status).toBe(204);
      expect((await t.api(token, "/api/v1/me")).status).toBe(401);
      expect((await t.api(meadow, "/api/v1/me")).status).toBe(200);
    });

    it("a token revoked or a user disabled by another process stops working", async () => {
      const token = await t.token("brookfield");
      expect((await t.api(token, "/api/v1/me")).status).toBe(200);
      await other.query(
        "update api_tokens set revoked_at = now() where user_id = (select id from users where username = 'brookfield') and revoked_at is null",
      );
      await eventually("the revoked token to be refused", async () =>
        (await t.api(token, "/api/v1/me")).status === 401 ? true : undefined,
      );

      const fresh = await t.token("brookfield");
      expect((await t.api(fresh, "/api/v1/me")).status).toBe(200);
      await other.query("update users set disabled = true where username = 'brookfield'");
      await eventually("the disabled user's token to be refused", async () =>
        (await t.api(fresh, "/api/v1/me")).status === 401 ? true : undefined,
      );
      await other.query("update users set disabled = false where username = 'brookfield'");
      brookfield = await t.token("brookfield");
    });

    it("a signed-out session cannot be used again", async () => {
      const r = await fetch(`${t.url}/api/v1/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "meadowlane", password: "demo-password-only" }),
      });
      expect(r.status).toBe(200);
      const cookie = (r.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
      const me = () => fetch(`${t.url}/api/v1/me`, { headers: { cookie } });
      expect((await me()).status).toBe(200);
      // A browser names the page that sent it; the API refuses a cookie without that.
      const out = await fetch(`${t.url}/api/v1/session`, {
        method: "DELETE",
        headers: { cookie, origin: t.url },
      });
      expect(out.status).toBe(204);
      expect((await me()).status).toBe(401);
    });

    // PGlite's notices come from inside this process: there is no connection to lose.
    if (target.name === "postgres")
      it("while the listening connection is lost nothing stale is served", async () => {
        const id = await sendOne(4);
        expect(await inboxIds()).toContain(id);
        // Cut every LISTEN connection, then change the file while the hub may not be listening.
        await other.query(
          "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'listen%'",
        );
        await other.query("update transfers set status = 'removed' where id = $1", [id]);
        await eventually("the removed file to leave the inbox", async () =>
          (await inboxIds()).includes(id) ? undefined : true,
        );
        // And once it listens again, changes are heard again.
        const next = await sendOne(5);
        await eventually("listening again", async () => {
          const r = (await other.query(
            "select count(*)::int as n from pg_stat_activity where datname = current_database() and query ilike 'listen%'",
          )) as { rows: { n: number }[] };
          return r.rows[0]?.n ? true : undefined;
        });
        expect(await inboxIds()).toContain(next);
        await other.query("update transfers set status = 'removed' where id = $1", [next]);
        await eventually("the second removed file to leave the inbox", async () =>
          (await inboxIds()).includes(next) ? undefined : true,
        );
      });
  });
}
