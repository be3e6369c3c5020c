/**
 * A password the operator set or was shown (the CLI, the first run's administrator) opens the
 * first sign-in only: until the user chooses their own, every page leads to the page to do it,
 * the API refuses, and nothing else can be done.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken } from "../../src/hub/tokens.js";
import { createUser } from "../../src/hub/users.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { PageClient } from "../helpers/pages.js";

const GIVEN = "operator-chose-this-one";
const CHOSEN = "only-i-know-this-one";

describe("a password to change at first sign-in", () => {
  let t: TestHub;
  let token = "";

  beforeAll(async () => {
    t = await startTestHub("pglite");
    await createUser(t.hub.ctx, null, {
      username: "office2",
      email: "office2@users.invalid",
      role: "school",
      establishment: "8231234",
      password: GIVEN,
      changeAtSignIn: true,
    });
    token = (await createToken(t.hub.ctx, null, "office2")).token;
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
  });

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${t.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...init.headers },
    });

  it("leads every page to choosing a password, and the API says so", async () => {
    const office = new PageClient(t.url);
    await office.signIn("office2", GIVEN);
    for (const path of ["/", "/sent", "/received", "/send", "/account", "/school"]) {
      const r = await office.request(path);
      expect(r.status, path).toBe(303);
      expect(r.headers.get("location"), path).toBe("/account/new-password");
    }
    // A form posted meanwhile does nothing: it too is sent to choose a password.
    const page = await (await office.request("/account/new-password")).text();
    const _csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";
    const posted = await office.post("/account/tokens", { _csrf, label: "sneaky", expires: "30" });
    expect(posted.headers.get("location")).toBe("/account/new-password");
    expect(page).toContain("Choose your own password");
    expect(page).not.toContain("Send files"); // no navigation to pages it cannot reach
    expect((await office.request("/privacy")).status).toBe(200);

    const viaToken = await api("/api/v1/inbox");
    expect(viaToken.status).toBe(403);
    const refused = (await viaToken.json()) as { error: { code: string; message: string } };
    expect(refused.error.code).toBe("auth.password-change-required");
    const session = await fetch(`${t.url}/api/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "office2", password: GIVEN }),
    });
    expect(session.status).toBe(403);
    const noSession = (await session.json()) as { error: { message: string } };
    expect(noSession.error.message).toContain("choose your own password");
    const tokens = await t.hub.ctx.db
      .selectFrom("api_tokens")
      .innerJoin("users", "users.id", "api_tokens.user_id")
      .select("api_tokens.label")
      .where("users.username", "=", "office2")
      .execute();
    expect(tokens.map((x) => x.label)).not.toContain("sneaky");

    // Wrong current password, passwords that differ, the same password again: each said where.
    const choose = (current: string, password: string, confirm = password) =>
      office.post("/account/new-password", { _csrf, current, password, confirm });
    for (const [current, password, confirm, said] of [
      ["not-the-given-one", CHOSEN, CHOSEN, "Your current password is wrong"],
      [GIVEN, CHOSEN, `${CHOSEN}!`, "The new passwords do not match"],
      [GIVEN, GIVEN, GIVEN, "Choose a password different"],
    ] as const) {
      const refused = await choose(current, password, confirm);
      expect(refused.status, said).toBe(400);
      expect(await refused.text()).toContain(said);
    }

    const done = await choose(GIVEN, CHOSEN);
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe("/");
    const home = await office.request("/");
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("Send files");
    expect((await api("/api/v1/inbox")).status).toBe(200);
    // The page is for that first sign-in only.
    expect((await office.request("/account/new-password")).headers.get("location")).toBe(
      "/account",
    );
  });

  it("opens with the chosen password only, as any account", async () => {
    await expect(new PageClient(t.url).signIn("office2", GIVEN)).rejects.toThrow(/answered 401/);
    const again = new PageClient(t.url);
    await again.signIn("office2", CHOSEN);
    expect((await again.request("/sent")).status).toBe(200);
  });
});
