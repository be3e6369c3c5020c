/**
 * The service is not GOV.UK's: it uses GOV.UK Frontend's components without the crown, the
 * royal arms, the Open Government Licence, Crown copyright or the GDS Transport font; it has a
 * phase banner, its own accessibility, privacy and cookies pages, and says who is signed in.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { misConfigFromEnv } from "../../src/mis/config.js";
import { initSchool } from "../../src/mis/school.js";
import { createMisUser } from "../../src/mis/users.js";
import { type RunningMis, startMis } from "../../src/mis-service.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { PageClient } from "../helpers/pages.js";

const PASSWORD = "demo-password-only";
const GOVUK_ONLY = [
  /crown copyright/i,
  /open government licence/i,
  /govuk-footer__crown/,
  /govuk-footer__copyright-logo/,
  /govuk-logo/,
  /\/assets\//,
];

function expectNotGovuk(html: string, where: string) {
  for (const mark of GOVUK_ONLY) expect(html, `${where}: ${mark}`).not.toMatch(mark);
}

describe("the look of the hub and the school side", () => {
  let t: TestHub;
  let mis: RunningMis;

  beforeAll(async () => {
    t = await startTestHub("pglite", {
      retention: { undownloadedDays: 45, warnDaysBefore: 7, afterDoneDays: 9 },
    });
    const dataDir = await mkdtemp(join(tmpdir(), "s2s-look-"));
    mis = await startMis(
      misConfigFromEnv(
        { S2S_MASTER_KEY_FILE: join(dataDir, "..", `s2s-look-${process.pid}.key`) },
        { dataDir, port: 0 },
      ),
      {},
    );
    await initSchool(mis.ctx, { laestab: "8231234", name: "Brookfield Primary School" });
    await createMisUser(mis.ctx, null, {
      username: "office",
      email: "office@example.org",
      role: "staff",
      password: "correct horse battery staple",
    });
  }, 90_000);

  afterAll(async () => {
    await t?.stop();
    await mis?.stop();
  });

  it("serves one stylesheet built without GOV.UK's font, and no GOV.UK images or fonts", async () => {
    for (const base of [t.url, mis.url]) {
      const page = await (await fetch(`${base}/sign-in`)).text();
      expect(page).toContain('href="/static/service.css"');
      expect(page).not.toContain("govuk-frontend.min.css");
      const css = await fetch(`${base}/static/service.css`);
      expect(css.status).toBe(200);
      const text = await css.text();
      expect(text).toContain(".govuk-button");
      expect(text).not.toContain("GDS Transport");
      expect(text).not.toContain("@font-face");
      for (const path of [
        "/assets/images/govuk-crest.svg",
        "/assets/fonts/bold-b542beb274-v2.woff2",
        "/static/govuk/govuk-frontend.min.css",
      ])
        expect((await fetch(`${base}${path}`)).status, path).toBe(404);
      expect((await fetch(`${base}/static/govuk/govuk-frontend.min.js`)).status).toBe(200);
      expect((await fetch(`${base}/static/icon.svg`)).status).toBe(200);
    }
  });

  it("has a phase banner and a footer of its own, on every app, signed in or not", async () => {
    for (const base of [t.url, mis.url]) {
      const html = await (await fetch(`${base}/sign-in`)).text();
      expectNotGovuk(html, base);
      expect(html).toMatch(/govuk-phase-banner[\s\S]*Beta[\s\S]*This is a new service/);
      for (const link of ["/accessibility", "/privacy", "/cookies"])
        expect(html).toContain(`href="${link}"`);
    }
  });

  it("explains accessibility, privacy and cookies to anyone, with this service's real facts", async () => {
    for (const base of [t.url, mis.url]) {
      for (const [path, heading] of [
        ["/accessibility", "Accessibility statement"],
        ["/privacy", "Privacy notice"],
        ["/cookies", "Cookies"],
      ] as const) {
        const r = await fetch(`${base}${path}`);
        expect(r.status, `${base}${path}`).toBe(200);
        const html = await r.text();
        expect(html).toContain(heading);
        expectNotGovuk(html, `${base}${path}`);
      }
    }
    const privacy = await (await fetch(`${t.url}/privacy`)).text();
    // The hub's retention, as configured, not a number written into the page.
    expect(privacy).toContain("45 days, then it is deleted");
    expect(privacy).toContain("9 days, then it is deleted");
    expect(privacy).toMatch(/special category/);
    const cookies = await (await fetch(`${t.url}/cookies`)).text();
    expect(cookies).toContain("s2s_session");
    expect(cookies).toContain("s2s_form");
    expect(await (await fetch(`${mis.url}/cookies`)).text()).toContain("s2s_mis_session");
  });

  it("says on every page who is signed in, and for which school or LA", async () => {
    const cases = [
      ["meadowlane", "meadowlane, Meadow Lane Primary School (9382001)"],
      ["northshire-la", "northshire-la, Northshire (LA 823)"],
      ["admin", "admin, administrator"],
    ] as const;
    for (const [username, words] of cases) {
      const client = new PageClient(t.url);
      await client.signIn(username, PASSWORD, () => t.code(username));
      for (const path of ["/", "/account", "/privacy"]) {
        const html = await (await client.request(path)).text();
        expect(html, `${username} ${path}`).toContain(`Signed in as <strong>${words}</strong>`);
      }
    }
    const office = new PageClient(mis.url);
    await office.signIn("office", "correct horse battery staple");
    const html = await (await office.request("/pupils")).text();
    expect(html).toContain(
      "Signed in as <strong>office, Brookfield Primary School (8231234)</strong>",
    );
    expect(await (await fetch(`${t.url}/sign-in`)).text()).not.toContain("Signed in as");
  });
});
