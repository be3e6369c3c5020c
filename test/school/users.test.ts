/**
 * The school side's people: a manager adds and disables users on their own, each user makes and
 * revokes their own API tokens, and wrong passwords lock a name as on the hub, on both
 * databases. Staff reach none of the manager's routes.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { misConfigFromEnv } from "../../src/school/config.js";
import { initSchool } from "../../src/school/school.js";
import { type RunningMis, startMis } from "../../src/school/service.js";
import { createMisToken } from "../../src/school/tokens.js";
import { createMisUser } from "../../src/school/users.js";
import { DATABASES, freshPostgresUrl } from "../helpers/db.js";
import { json } from "../helpers/hub.js";
import { PageClient } from "../helpers/pages.js";

const KEY_FILE = join(tmpdir(), `s2s-mis-users-${process.pid}.key`);
const PASSWORD = "correct horse battery staple";

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`the school side's users on ${target.name}`, () => {
    let mis: RunningMis;
    let drop: (() => Promise<void>) | undefined;
    let manager: string;
    let managerId: string;
    let now = new Date("2026-12-01T10:00:00Z");

    const api = (path: string, token: string, body?: unknown, method?: string) =>
      fetch(`${mis.url}${path}`, {
        method: method ?? (body === undefined ? "GET" : "POST"),
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    beforeAll(async () => {
      const dataDir = await mkdtemp(join(tmpdir(), "s2s-mis-users-"));
      const env: Record<string, string> = { S2S_MASTER_KEY_FILE: KEY_FILE };
      if (target.name === "postgres") {
        const pg = await freshPostgresUrl();
        drop = pg.drop;
        env.MIS_DATABASE_URL = pg.url;
      }
      mis = await startMis(misConfigFromEnv(env, { dataDir, port: 0 }), { clock: () => now });
      await initSchool(mis.ctx, { laestab: "8231234", name: "Brookfield Primary School" });
      managerId = (
        await createMisUser(mis.ctx, null, {
          username: "head",
          email: "head@example.org",
          role: "manager",
          password: PASSWORD,
        })
      ).id;
      manager = await createMisToken(mis.ctx, null, "head");
    }, 120_000);

    afterAll(async () => {
      await mis?.stop();
      await drop?.();
    });

    it("lets a manager add staff, who reach none of the manager's routes", async () => {
      const added = await api("/api/v1/users", manager, {
        username: "office2",
        email: "office2@example.org",
        role: "staff",
      });
      expect(added.status).toBe(201);
      const { id, password } = await json(added);
      expect(password).toMatch(/^\S{12,}$/);
      const staffPage = new PageClient(mis.url);
      await staffPage.signIn("office2", password);
      const staff = await createMisToken(mis.ctx, null, "office2");
      for (const [path, body, method] of [
        ["/api/v1/users", undefined, "GET"],
        ["/api/v1/users", { username: "x1", email: "x@example.org", role: "manager" }, "POST"],
        [`/api/v1/users/${managerId}/disable`, {}, "POST"],
        ["/api/v1/settings", undefined, "GET"],
        ["/api/v1/settings", { exchangeFolder: "" }, "PATCH"],
      ] as const)
        expect((await api(path, staff, body, method)).status, `${method} ${path}`).toBe(403);
      expect((await staffPage.request("/users")).status).toBe(403);
      expect((await staffPage.request("/users/new")).status).toBe(403);
      const listed = (await json(await api("/api/v1/users", manager))).users;
      expect(listed.map((u: { username: string; role: string }) => [u.username, u.role])).toEqual([
        ["head", "manager"],
        ["office2", "staff"],
      ]);
      expect(listed.find((u: { id: string }) => u.id === id)).toMatchObject({
        disabled: false,
        lockedUntil: null,
      });
      const taken = await api("/api/v1/users", manager, {
        username: "office2",
        email: "o@example.org",
        role: "staff",
      });
      expect(taken.status).toBe(409);
    });

    it("lets each user make, see and revoke their own tokens, and no one else's", async () => {
      await createMisUser(mis.ctx, null, {
        username: "office4",
        email: "o4@example.org",
        role: "staff",
        password: PASSWORD,
      });
      const first = await createMisToken(mis.ctx, null, "office4");
      now = new Date(now.getTime() + 60_000);
      const made = await api("/api/v1/tokens", first, {});
      expect(made.status).toBe(201);
      const { token: second } = await json(made);
      expect((await api("/api/v1/pupils", second)).status).toBe(200);
      const mine = (await json(await api("/api/v1/tokens", second))).tokens;
      // Newest first; the secrets are never shown again; when each was last used is.
      expect(mine).toHaveLength(2);
      expect(JSON.stringify(mine)).not.toContain(second);
      expect(mine.every((t: { lastUsedAt: string | null }) => t.lastUsedAt !== null)).toBe(true);
      const managers = (await json(await api("/api/v1/tokens", manager))).tokens;
      const theirs = await api(`/api/v1/tokens/${managers[0].id}`, first, undefined, "DELETE");
      expect(theirs.status).toBe(404);
      expect((await api("/api/v1/pupils", manager)).status).toBe(200);
      const revoked = await api(`/api/v1/tokens/${mine[0].id}`, first, undefined, "DELETE");
      expect(revoked.status).toBe(204);
      expect((await api("/api/v1/pupils", second)).status).toBe(401);
      expect((await api("/api/v1/pupils", first)).status).toBe(200);
      const listed = (await json(await api("/api/v1/tokens", first))).tokens;
      expect(listed[0]).toMatchObject({ id: mine[0].id, revokedAt: now.toISOString() });
    });

    it("disables a user at once (sessions and tokens), never the manager themselves", async () => {
      const users = (await json(await api("/api/v1/users", manager))).users;
      const office2 = users.find((u: { username: string }) => u.username === "office2");
      const self = await api(`/api/v1/users/${managerId}/disable`, manager, {});
      expect(self.status).toBe(400);
      expect((await json(self)).error.message).toContain("cannot disable yourself");
      const page = new PageClient(mis.url);
      const { password } = await json(
        await api("/api/v1/users", manager, {
          username: "office3",
          email: "o3@example.org",
          role: "staff",
        }),
      );
      await page.signIn("office3", password);
      const staff = await createMisToken(mis.ctx, null, "office3");
      const office3 = (await json(await api("/api/v1/users", manager))).users.find(
        (u: { username: string }) => u.username === "office3",
      );
      expect((await api(`/api/v1/users/${office3.id}/disable`, manager, {})).status).toBe(204);
      expect((await api("/api/v1/pupils", staff)).status).toBe(401);
      const after = await page.request("/pupils");
      expect(after.status).toBe(303);
      expect(after.headers.get("location")).toContain("/sign-in");
      expect(office2.disabled).toBe(false);
      expect((await api(`/api/v1/users/${office3.id}/enable`, manager, {})).status).toBe(204);
      expect((await api("/api/v1/pupils", staff)).status).toBe(200);
    });

    it("locks a name after five wrong passwords, says for how long, and a manager unlocks it", async () => {
      const page = new PageClient(mis.url);
      const _csrf = await page.token();
      const attempt = (password: string) =>
        page.post("/sign-in", { username: "head", password, _csrf, next: "/" });
      const lockedAt = now;
      for (let i = 0; i < 5; i++) {
        const wrong = await attempt(`wrong password ${i}`);
        expect(wrong.status).toBe(400);
        if (i < 4) expect(await wrong.text()).toContain("The username or password is wrong");
        else expect(await wrong.text()).toContain("Try again in 15 minutes");
      }
      // Locked: even the right password is refused, and the lock is on the Users page.
      now = new Date(now.getTime() + 5 * 60_000);
      const right = await attempt(PASSWORD);
      expect(right.status).toBe(400);
      expect(await right.text()).toContain("Try again in 10 minutes");
      const users = (await json(await api("/api/v1/users", manager))).users;
      const head = users.find((u: { username: string }) => u.username === "head");
      expect(head.lockedUntil).toBe(new Date(lockedAt.getTime() + 15 * 60_000).toISOString());
      // Another manager lifts it; the failures and the lock are in the audit log.
      const { password } = await json(
        await api("/api/v1/users", manager, {
          username: "deputy",
          email: "deputy@example.org",
          role: "manager",
        }),
      );
      const deputy = new PageClient(mis.url);
      await deputy.signIn("deputy", password);
      const form = await deputy.token();
      const unlocked = await deputy.post(`/users/${head.id}/enable`, { _csrf: form });
      expect(unlocked.status).toBe(303);
      await page.signIn("head", PASSWORD);
      const failures = await mis.ctx.db
        .selectFrom("audit_events")
        .select("detail")
        .where("action", "=", "sign-in.failed")
        .execute();
      expect(failures.map((f) => (f.detail as { reason: string }).reason)).toEqual([
        "password",
        "password",
        "password",
        "password",
        "password",
        "locked",
      ]);
    });
  });
}
