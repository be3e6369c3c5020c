/**
 * The school side's people: a manager adds and disables users on their own, each user makes and
 * revokes their own API tokens, and wrong passwords lock a name as on the hub, on both
 * databases. Staff reach none of the manager's routes.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { codeAt, stepAt } from "../../src/platform/accounts/totp.js";
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
/** The managers' authenticator keys, provisioned as `--totp-secret` does. */
const KEYS: Record<string, string> = {
  head: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
  deputy: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
};

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`the school side's users on ${target.name}`, () => {
    let mis: RunningMis;
    let drop: (() => Promise<void>) | undefined;
    let manager: string;
    let managerId: string;
    let now = new Date("2026-12-01T10:00:00Z");

    /** A code from the user's authenticator: each a step later, as a code works once. */
    const code = (username: string) => {
      now = new Date(now.getTime() + 30_000);
      return codeAt(KEYS[username] as string, stepAt(now));
    };

    /** Signs in with a password someone else gave, and chooses their own at once. */
    async function firstSignIn(username: string, given: string): Promise<PageClient> {
      const page = new PageClient(mis.url);
      await page.signIn(username, given);
      const chosen = await page.post("/account/new-password", {
        _csrf: await page.token(),
        current: given,
        password: "sunlit kettle over seven hills",
        confirm: "sunlit kettle over seven hills",
      });
      expect(chosen.status, await chosen.clone().text()).toBe(303);
      return page;
    }

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
      mis = await startMis(
        misConfigFromEnv(env, { dataDir, port: 0, pgliteTemplate: inject("misPgliteTemplate") }),
        { clock: () => now },
      );
      await initSchool(mis.ctx, { laestab: "8231234", name: "Brookfield Primary School" });
      managerId = (
        await createMisUser(mis.ctx, null, {
          username: "head",
          email: "head@example.org",
          role: "manager",
          password: PASSWORD,
          totpSecret: KEYS.head,
        })
      ).id;
      manager = await createMisToken(mis.ctx, null, "head");
    }, 120_000);

    afterAll(async () => {
      await mis?.stop();
      await drop?.();
    });

    it("sends the school's hub token only over https, or plain http to a hub on this machine", async () => {
      // Names under .invalid never resolve, so even a broken check sends nothing anywhere.
      for (const hubUrl of ["http://hub.invalid", "ftp://hub.invalid", "hub.invalid"])
        await expect(
          initSchool(mis.ctx, {
            laestab: "8231234",
            name: "Brookfield Primary School",
            hubUrl,
            hubToken: "t",
          }),
          hubUrl,
        ).rejects.toMatchObject({
          code: "invalid",
          field: "hubUrl",
          message: expect.stringMatching(/^The hub's address .*https:\/\//),
        });
      for (const hubUrl of [
        "https://hub.invalid",
        "http://127.0.0.1:1",
        "http://localhost:1",
        "http://[::1]:1",
      ])
        await initSchool(mis.ctx, {
          laestab: "8231234",
          name: "Brookfield Primary School",
          hubUrl,
          hubToken: "t",
        });
      await initSchool(mis.ctx, { laestab: "8231234", name: "Brookfield Primary School" });
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
      const staffPage = await firstSignIn("office2", password);
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

    it("changes one's own password only with the current one, which a wrong guess counts against", async () => {
      await createMisUser(mis.ctx, null, {
        username: "office10",
        email: "o10@example.org",
        role: "staff",
        password: PASSWORD,
      });
      const token = await createMisToken(mis.ctx, null, "office10");
      const change = (body: Record<string, string | boolean>) =>
        api("/api/v1/me/password", token, body);
      const wrong = await change({
        current: "not my password",
        password: "sunlit kettle over seven hills",
      });
      expect(wrong.status).toBe(400);
      expect((await json(wrong)).error).toMatchObject({ field: "current" });
      const counted = await mis.ctx.db
        .selectFrom("sign_in_attempts")
        .select("failures")
        .where("username", "=", "office10")
        .executeTakeFirstOrThrow();
      expect(counted.failures).toBe(1);
      const weak = await change({ current: PASSWORD, password: "password1234" });
      expect(weak.status).toBe(400);
      expect((await json(weak)).error).toMatchObject({ field: "password" });
      expect((await session({ username: "office10", password: PASSWORD })).status).toBe(200);
      expect(
        (await change({ current: PASSWORD, password: "sunlit kettle over seven hills" })).status,
      ).toBe(204);
      expect(
        (await json(await session({ username: "office10", password: PASSWORD }))).error.code,
      ).toBe("auth.failed");
      expect(
        (await session({ username: "office10", password: "sunlit kettle over seven hills" }))
          .status,
      ).toBe(200);
      // Offered on a change: every token stops, this one too.
      const other = await createMisToken(mis.ctx, null, "office10");
      expect(
        (
          await change({
            current: "sunlit kettle over seven hills",
            password: "moss on the north wall",
            revokeTokens: true,
          })
        ).status,
      ).toBe(204);
      for (const gone of [token, other])
        expect((await api("/api/v1/pupils", gone)).status).toBe(401);
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
      // A token does not make tokens (an outside test minted them from one), nor open pages.
      const minted = await api("/api/v1/tokens", first, {});
      expect(minted.status).toBe(403);
      expect((await json(minted)).error.message).toContain("never with another token");
      for (const page of ["/account", "/"]) {
        const r = await fetch(`${mis.url}${page}`, {
          headers: { authorization: `Bearer ${first}` },
          redirect: "manual",
        });
        expect(r.status, page).toBe(303);
        expect(r.headers.get("location"), page).toMatch(/^\/sign-in/);
      }
      // From a signed-in session, it does.
      const signedIn = await fetch(`${mis.url}/api/v1/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "office4", password: PASSWORD }),
      });
      expect(signedIn.status).toBe(200);
      const cookie = (signedIn.headers.get("set-cookie") ?? "").split(";")[0] as string;
      const mint = (body: object) =>
        fetch(`${mis.url}/api/v1/tokens`, {
          method: "POST",
          headers: { cookie, origin: mis.url, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      // The password is asked again, and a token always ends, within MIS_TOKEN_MAX_DAYS.
      expect((await mint({ expiresInDays: 30 })).status).toBe(400);
      const wrong = await mint({ expiresInDays: 30, password: "not my password at all" });
      expect(wrong.status).toBe(400);
      expect((await json(wrong)).error).toMatchObject({
        field: "password",
        message: "Your password is not right.",
      });
      const tooLong = await mint({ expiresInDays: 366, password: PASSWORD });
      expect(tooLong.status).toBe(400);
      expect((await json(tooLong)).error.message).toContain("after 1 to 365 whole days");
      const made = await mint({ expiresInDays: 30, password: PASSWORD });
      expect(made.status).toBe(201);
      const { token: second } = await json(made);
      expect((await api("/api/v1/pupils", second)).status).toBe(200);
      const mine = (await json(await api("/api/v1/tokens", second))).tokens;
      // Newest first; the secrets are never shown again; when each was last used is.
      expect(mine).toHaveLength(2);
      expect(JSON.stringify(mine)).not.toContain(second);
      expect(mine.every((t: { lastUsedAt: string | null }) => t.lastUsedAt !== null)).toBe(true);
      const life = Date.parse(mine[0].expiresAt) - now.getTime();
      expect(Math.abs(life - 30 * 86_400_000)).toBeLessThan(3_600_000);
      expect(mine[1].expiresAt).toBeNull(); // the operator's, made at the server
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
      await page.post("/account/new-password", {
        _csrf: await page.token(),
        current: password,
        password: "sunlit kettle over seven hills",
        confirm: "sunlit kettle over seven hills",
      });
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

    const session = (body: Record<string, string>) =>
      fetch(`${mis.url}/api/v1/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });

    it("asks a manager for a second factor: code-required, a wrong code counted, then signed in", async () => {
      const bare = await session({ username: "head", password: PASSWORD });
      expect(bare.status).toBe(401);
      expect((await json(bare)).error.code).toBe("auth.code-required");
      const wrong = await session({ username: "head", password: PASSWORD, code: "123456" });
      expect(wrong.status).toBe(401);
      expect((await json(wrong)).error.code).toBe("auth.code");
      const right = await session({ username: "head", password: PASSWORD, code: code("head") });
      expect(right.status).toBe(200);
      expect(await json(right)).toMatchObject({ username: "head", role: "manager" });
      expect(right.headers.get("set-cookie")).toMatch(/s2s_mis_session=/);
      // A code works once.
      const again = await session({
        username: "head",
        password: PASSWORD,
        code: codeAt(KEYS.head as string, stepAt(now)),
      });
      expect((await json(again)).error.code).toBe("auth.code");
      const counted = await mis.ctx.db
        .selectFrom("sign_in_attempts")
        .select("failures")
        .where("username", "=", "head")
        .executeTakeFirstOrThrow();
      expect(counted.failures).toBe(1);
      // A right sign-in starts the count again.
      const next = await session({ username: "head", password: PASSWORD, code: code("head") });
      expect(next.status).toBe(200);
      // Staff need one only when the school says so; without one they set it up on the website.
      await createMisUser(mis.ctx, null, {
        username: "office6",
        email: "o6@example.org",
        role: "staff",
        password: PASSWORD,
      });
      expect((await session({ username: "office6", password: PASSWORD })).status).toBe(200);
      const on = await api("/api/v1/settings", manager, { staffSecondFactor: true }, "PATCH");
      expect(await json(on)).toMatchObject({ staffSecondFactor: true });
      const enrol = await session({ username: "office6", password: PASSWORD });
      expect(enrol.status).toBe(401);
      expect((await json(enrol)).error.code).toBe("auth.enrolment-required");
      await api("/api/v1/settings", manager, { staffSecondFactor: false }, "PATCH");
    });

    it("keeps a name locked however many guesses come at once", async () => {
      await createMisUser(mis.ctx, null, {
        username: "office7",
        email: "o7@example.org",
        role: "staff",
        password: PASSWORD,
      });
      const guesses = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          session({ username: "office7", password: `guess number ${i}` }),
        ),
      );
      const codes = await Promise.all(guesses.map(async (g) => (await json(g)).error.code));
      expect(codes.filter((c) => c === "auth.failed").length).toBeLessThanOrEqual(5);
      expect(codes.every((c) => c === "auth.failed" || c === "auth.locked")).toBe(true);
      const right = await session({ username: "office7", password: PASSWORD });
      expect(right.status).toBe(423);
    });

    it("has a user whose password someone else set choose their own before anything else", async () => {
      const made = await json(
        await api("/api/v1/users", manager, {
          username: "office8",
          email: "o8@example.org",
          role: "staff",
        }),
      );
      const refused = await session({ username: "office8", password: made.password });
      expect(refused.status).toBe(403);
      expect((await json(refused)).error.code).toBe("auth.password-change-required");
      const token = await createMisToken(mis.ctx, null, "office8");
      const gated = await api("/api/v1/pupils", token);
      expect(gated.status).toBe(403);
      expect((await json(gated)).error.code).toBe("auth.password-change-required");
      const page = new PageClient(mis.url);
      await page.signIn("office8", made.password);
      const home = await page.request("/pupils");
      expect(home.headers.get("location")).toBe("/account/new-password");
      await page.post("/account/new-password", {
        _csrf: await page.token(),
        current: made.password,
        password: "sunlit kettle over seven hills",
        confirm: "sunlit kettle over seven hills",
      });
      expect((await page.request("/pupils")).status).toBe(200);
      expect((await api("/api/v1/pupils", token)).status).toBe(200);
    });

    it("lets a manager reset a password by a link used once, never seeing the password", async () => {
      await createMisUser(mis.ctx, null, {
        username: "office9",
        email: "o9@example.org",
        role: "staff",
        password: PASSWORD,
      });
      const id = (await json(await api("/api/v1/users", manager))).users.find(
        (u: { username: string }) => u.username === "office9",
      ).id;
      const staffOnly = await createMisToken(mis.ctx, null, "office9");
      expect((await api(`/api/v1/users/${id}/password-link`, staffOnly, {})).status).toBe(403);
      const made = await api(`/api/v1/users/${id}/password-link`, manager, {});
      expect(made.status).toBe(201);
      const { link } = await json(made);
      expect(link).toMatch(new RegExp(`^${mis.url}/sign-in/link/[A-Za-z0-9_-]{40,}$`));
      // The old password stops at once.
      expect(
        (await json(await session({ username: "office9", password: PASSWORD }))).error.code,
      ).toBe("auth.failed");
      const page = new PageClient(mis.url);
      const path = new URL(link).pathname;
      const form = {
        _csrf: await page.token(),
        password: "a quiet harbour at dawn",
        confirm: "a quiet harbour at dawn",
      };
      const used = await page.post(path, form);
      expect(used.status).toBe(303);
      expect(
        (await session({ username: "office9", password: "a quiet harbour at dawn" })).status,
      ).toBe(200);
      const twice = await new PageClient(mis.url).request(path);
      expect(twice.status).toBe(410);
    });

    it("locks a name after five wrong passwords, says for how long, and a manager unlocks it", async () => {
      const page = new PageClient(mis.url);
      const _csrf = await page.token();
      const attempt = (password: string) =>
        page.post("/sign-in", { username: "head", password, _csrf, next: "/" });
      const lockedAt = now;
      for (let i = 0; i < 5; i++) {
        const wrong = await attempt(`wrong password ${i}`);
        expect(wrong.status).toBe(i < 4 ? 401 : 423);
        if (i < 4) expect(await wrong.text()).toContain("The username or password is wrong");
        else expect(await wrong.text()).toContain("Try again in 15 minutes");
      }
      // Locked: even the right password is refused, and the lock is on the Users page.
      now = new Date(now.getTime() + 5 * 60_000);
      const right = await attempt(PASSWORD);
      expect(right.status).toBe(423);
      expect(await right.text()).toContain("Try again in 10 minutes");
      const users = (await json(await api("/api/v1/users", manager))).users;
      const head = users.find((u: { username: string }) => u.username === "head");
      expect(head.lockedUntil).toBe(new Date(lockedAt.getTime() + 15 * 60_000).toISOString());
      // Another manager lifts it; the failures and the lock are in the audit log.
      await createMisUser(mis.ctx, null, {
        username: "deputy",
        email: "deputy@example.org",
        role: "manager",
        password: PASSWORD,
        totpSecret: KEYS.deputy,
      });
      const deputy = new PageClient(mis.url);
      await deputy.signIn("deputy", PASSWORD, () => code("deputy"));
      const form = await deputy.token();
      const unlocked = await deputy.post(`/users/${head.id}/enable`, { _csrf: form });
      expect(unlocked.status).toBe(303);
      await page.signIn("head", PASSWORD, () => code("head"));
      const failures = await mis.ctx.db
        .selectFrom("audit_events")
        .select("detail")
        .where("action", "=", "sign-in.failed")
        .orderBy("id")
        .execute();
      const heads = failures
        .map((f) => f.detail as { reason: string; username: string })
        .filter((d) => d.username === "head");
      // After the wrong codes of the test above: five wrong passwords, then the lock.
      expect(heads.map((d) => d.reason).slice(-6)).toEqual([
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
