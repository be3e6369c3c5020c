/**
 * A manager gives one user a shorter token life than the school side's: their tokens in use end
 * within it at once, and neither they nor the operator can make a longer one. (Its own school
 * side: the users file's many sign-ins reach the per-minute sign-in limit.)
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
import { PageClient, pageText } from "../helpers/pages.js";

const KEY_FILE = join(tmpdir(), `s2s-mis-token-life-${process.pid}.key`);
const PASSWORD = "correct horse battery staple";
const HEAD_KEY = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`a user's token life on ${target.name}`, () => {
    let mis: RunningMis;
    let drop: (() => Promise<void>) | undefined;
    let manager: string;
    let now = new Date("2026-12-01T10:00:00Z");

    const code = (_username: string) => {
      now = new Date(now.getTime() + 30_000);
      return codeAt(HEAD_KEY, stepAt(now));
    };

    const api = (path: string, token: string, body?: unknown) =>
      fetch(`${mis.url}${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    beforeAll(async () => {
      const dataDir = await mkdtemp(join(tmpdir(), "s2s-mis-token-life-"));
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
      await createMisUser(mis.ctx, null, {
        username: "head",
        email: "head@example.org",
        role: "manager",
        password: PASSWORD,
        totpSecret: HEAD_KEY,
      });
      manager = await createMisToken(mis.ctx, null, "head");
    }, 120_000);

    afterAll(async () => {
      await mis?.stop();
      await drop?.();
    });

    it("lets a manager shorten a user's token life, and their tokens with it", async () => {
      await createMisUser(mis.ctx, null, {
        username: "office",
        email: "office@example.org",
        role: "staff",
        password: PASSWORD,
      });
      const lasting = await createMisToken(mis.ctx, null, "office");
      const users = (await json(await api("/api/v1/users", manager))).users;
      const listedUser = users.find((u: { username: string }) => u.username === "office");
      expect(listedUser.tokenMaxDays).toBeNull();
      const path = `/api/v1/users/${listedUser.id}/token-life`;
      // Only a manager sets it, and only within the school side's longest.
      expect((await api(path, lasting, { tokenMaxDays: 7 })).status).toBe(403);
      const tooLong = await api(path, manager, { tokenMaxDays: 366 });
      expect(tooLong.status).toBe(400);
      expect((await json(tooLong)).error.message).toContain("1 to 365 whole days");

      const head = new PageClient(mis.url);
      await head.signIn("head", PASSWORD, () => code("head"));
      const listed = pageText(await (await head.request("/users")).text());
      expect(listed).toContain("365 days Change how long office's tokens last");
      const form = pageText(
        await (await head.request(`/users/${listedUser.id}/token-life`)).text(),
      );
      expect(form).toContain("At most 365, the longest this school side allows");
      const wrong = await head.post(`/users/${listedUser.id}/token-life`, {
        _csrf: await head.token(),
        tokenMaxDays: "a fortnight",
      });
      expect(wrong.status).toBe(400);
      expect(await wrong.text()).toContain("Give a number of whole days");
      const set = await head.post(`/users/${listedUser.id}/token-life`, {
        _csrf: await head.token(),
        tokenMaxDays: "14",
      });
      expect(set.status).toBe(303);
      expect(pageText(await (await head.request("/users?done=token-life")).text())).toContain(
        "14 days Change how long office's tokens last",
      );

      // Their lasting token now ends within the fortnight.
      const tokens = (await json(await api("/api/v1/tokens", lasting))).tokens;
      expect(Date.parse(tokens[0].expiresAt) - now.getTime()).toBe(14 * 86_400_000);
      const before = now;
      now = new Date(now.getTime() + 15 * 86_400_000);
      expect((await api("/api/v1/pupils", lasting)).status).toBe(401);
      now = before;

      // They may make none longer, on their account page or the API; nor may the operator.
      const staff = new PageClient(mis.url);
      await staff.signIn("office", PASSWORD);
      expect(pageText(await (await staff.request("/account")).text())).toContain(
        "after at most 14 days",
      );
      const _csrf = await staff.token();
      const mint = (expiresInDays: string) =>
        staff.post("/account/tokens", { _csrf, expiresInDays, password: PASSWORD });
      const refused = await mint("30");
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain("after 1 to 14 whole days");
      expect((await mint("14")).status).toBe(200);
      await expect(createMisToken(mis.ctx, null, "office")).rejects.toThrow("1 to 14 whole days");

      const audited = await mis.ctx.db
        .selectFrom("audit_events")
        .select("detail")
        .where("action", "=", "user.token-life")
        .execute();
      expect(audited.map((a) => a.detail)).toEqual([
        { username: "office", tokenMaxDays: 14, shortened: 1 },
      ]);
    });
  });
}
