import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningMis } from "../../src/school/service.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { PageClient } from "../helpers/pages.js";
import { STAFF_PASSWORD, startStaffedSchool } from "../helpers/school-side.js";

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
    mis = await startStaffedSchool("look");
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
    await office.signIn("office", STAFF_PASSWORD);
    const html = await (await office.request("/pupils")).text();
    expect(html).toContain(
      "Signed in as <strong>office, Brookfield Primary School (8231234)</strong>",
    );
    expect(await (await fetch(`${t.url}/sign-in`)).text()).not.toContain("Signed in as");
  });
});
