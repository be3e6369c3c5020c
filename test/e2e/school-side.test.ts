/**
 * The school side's pages in a real browser, against a real hub: a school office sets up a
 * destination by name, records leaving details for three pupils going to two schools and one
 * unknown, exports and sends, sees the files reach each destination, and sees a rejection come
 * back. Every page is checked for accessibility on the way.
 */

import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_PASSWORD } from "../../src/hub/demo.js";
import { upsertEstablishment } from "../../src/hub/establishments.js";
import { codeAt, stepAt } from "../../src/platform/accounts/totp.js";
import { misConfigFromEnv } from "../../src/school/config.js";
import { createDemoRegister } from "../../src/school/demo.js";
import { initSchool } from "../../src/school/school.js";
import { type RunningMis, startMis } from "../../src/school/service.js";
import { createMisUser } from "../../src/school/users.js";
import { accessibilityViolations, HAVE_CHROMIUM, launch, screenshot } from "../helpers/browser.js";
import { eventually, json, startTestHub, type TestHub } from "../helpers/hub.js";

/** The manager's authenticator key, provisioned as `s2s mis users create --totp-secret` does. */
const KEY = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
const NOW = new Date("2026-12-01T10:00:00Z");

describe.skipIf(!HAVE_CHROMIUM)("the school side's pages in Chromium", () => {
  let t: TestHub;
  let mis: RunningMis;
  let browser: Browser;
  let page: Page;
  const violations: { page: string; ids: string[] }[] = [];

  async function visit(path: string, name: string) {
    await page.goto(`${mis.url}${path}`);
    await check(name);
  }
  async function check(name: string) {
    violations.push({ page: name, ids: (await accessibilityViolations(page)).map((v) => v.id) });
    await screenshot(page, `school-side-${name}`);
  }

  beforeAll(async () => {
    t = await startTestHub("pglite");
    await upsertEstablishment(t.hub.ctx.db, {
      laestab: "8231500",
      urn: null,
      name: "Hilltop Academy",
      laCode: "823",
      laName: "Northshire",
      type: "Academy converter",
      status: "open",
      independent: false,
    });
    const dataDir = await mkdtemp(join(tmpdir(), "s2s-mis-pages-"));
    mis = await startMis(
      misConfigFromEnv({}, { dataDir, port: 0, pgliteTemplate: inject("misPgliteTemplate") }),
      {
        demo: true,
        clock: () => NOW,
      },
    );
    await initSchool(mis.ctx, {
      laestab: "8231234",
      name: "Brookfield Primary School",
      hubUrl: t.url,
      hubToken: await t.token("brookfield"),
    });
    await createMisUser(mis.ctx, null, {
      username: "office",
      email: "office@example.org",
      role: "manager",
      password: DEMO_PASSWORD,
      totpSecret: KEY,
    });
    await createDemoRegister(mis.ctx, 20, 9);
    browser = await launch();
    page = await (await browser.newContext()).newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await mis?.stop();
    await t?.stop();
  });

  it("signs a manager in with a password and a code, refusing a wrong one of either plainly", async () => {
    await visit("/", "sign-in");
    expect(page.url()).toContain("/sign-in");
    await page.fill("#username", "office");
    await page.fill("#password", "wrong-password-here");
    await page.click("button:has-text('Sign in')");
    expect(await page.textContent(".govuk-error-summary")).toContain(
      "The username or password is wrong",
    );
    await page.fill("#password", DEMO_PASSWORD);
    await page.click("button:has-text('Sign in')");
    // A manager holds the whole register: a code from their authenticator app comes next.
    expect(page.url()).toContain("/sign-in/code");
    await check("sign-in-code");
    await page.fill("#code", "000000");
    await page.click("button:has-text('Continue')");
    expect(await page.textContent(".govuk-error-summary")).toContain(
      "The security code is wrong or has expired",
    );
    await page.fill("#code", codeAt(KEY, stepAt(NOW)));
    await page.click("button:has-text('Continue')");
    await check("home");
    expect(await page.textContent("h1")).toBe("Brookfield Primary School");
    expect(await page.textContent("main")).toContain("20 pupils on roll");
  });

  it("sets up two destinations by searching the directory by town and by name", async () => {
    for (const [q, name, code] of <[string, string, string][]>[
      ["southbury", "Meadow Lane Primary School", "MLP"],
      ["hilltop", "Hilltop Academy", "HTA"],
    ]) {
      await visit(`/associated-schools?q=${q}`, `associated-schools-${q}`);
      await page.click(`a:has-text('${name}')`);
      await check(`associated-school-add-${q}`);
      expect(await page.textContent("h1")).toBe(`Add ${name}`);
      await page.fill("#code", code);
      if (code === "MLP") await page.check("#feeder");
      await page.click("button:has-text('Add school')");
      expect(await page.textContent("main")).toContain("School added.");
    }
    const rows = await page.$$eval("table tbody tr", (trs) =>
      trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent?.trim())),
    );
    expect(rows).toContainEqual([
      "Meadow Lane Primary School",
      "9382001",
      "Southvale (938)",
      "MLP",
      "Yes",
      "Change Meadow Lane Primary School",
    ]);
    expect(rows).toContainEqual([
      "Hilltop Academy",
      "8231500",
      "Northshire (823)",
      "HTA",
      "No",
      "Change Hilltop Academy",
    ]);
    // A school's code and feeder flag are changed on its own page; removing asks first.
    await page.click("a:has-text('Change Hilltop Academy')");
    await check("associated-school-edit");
    await page.fill("#code", "HT1");
    await page.click("button:has-text('Save changes')");
    expect(await page.textContent("main")).toContain("Changes saved.");
    expect(await page.textContent("tr:has-text('Hilltop Academy')")).toContain("HT1");
    await page.click("a:has-text('Change Hilltop Academy')");
    await page.click("button:has-text('Remove Hilltop Academy')");
    expect(await page.textContent("h1")).toBe("Remove Hilltop Academy?");
    await check("associated-school-remove-confirm");
    await page.click("a:has-text('Cancel')");
    await visit("/associated-schools", "associated-schools");
    expect(await page.textContent("table")).toContain("Hilltop Academy");
  });

  it("offers a closed school's successor instead of the closed school", async () => {
    await visit("/associated-schools?q=hillcrest", "associated-schools-closed");
    const closedRow = await page.textContent("tr:has-text('Hillcrest Junior School')");
    expect(closedRow).toContain("Closed: taken over by Hillcrest Academy (8231235)");
    expect(await page.$("a:text-is('Hillcrest Junior School')")).toBeNull();
    await page.click("a:has-text('Hillcrest Academy (8231235)')");
    expect(await page.textContent("h1")).toBe("Add Hillcrest Academy");
    await page.fill("#code", "far too long a code");
    await page.click("button:has-text('Add school')");
    expect(await page.textContent(".govuk-error-summary")).toContain("at most 10 characters");
    await check("associated-school-add-error");
    expect(await page.inputValue("#code")).toBe("far too long a code");
  });

  it("records leaving details for three pupils, refusing a date before admission", async () => {
    await visit("/pupils", "pupils");
    const links = await page.$$eval("table a", (as) => as.map((a) => a.getAttribute("href")));
    const plan: [string, string][] = [
      ["9382001", "Meadow Lane"],
      ["8231500", "Hilltop"],
      ["XXXXXXX", "Not known"],
    ];
    for (const [i, [destination]] of plan.entries()) {
      await visit(links[i] as string, `pupil-${i}`);
      if (i === 0) {
        await page.fill("#date-day", "1");
        await page.fill("#date-month", "1");
        await page.fill("#date-year", "2000");
        await page.selectOption("#reason", "IM");
        await page.selectOption("#destination", destination);
        await page.click("button:has-text('Save leaving details')");
        expect(await page.textContent(".govuk-error-summary")).toContain(
          "is before the pupil's admission",
        );
        await check("pupil-leaving-error");
      }
      await page.fill("#date-day", "20");
      await page.fill("#date-month", "10");
      await page.fill("#date-year", "2026");
      await page.selectOption("#reason", "IM");
      await page.selectOption("#destination", destination);
      await page.click("button:has-text('Save leaving details')");
      expect(await page.textContent(".govuk-notification-banner")).toContain(
        "Leaving details saved",
      );
    }
  });

  it("exports and sends: one file a school and one for the unknown destination, each reaching the hub; a rejection comes back", async () => {
    await visit("/exports", "exports");
    for (const box of await page.$$("input[name=pupil]")) await box.check();
    await page.click("button:has-text('Export and send')");
    expect(await page.textContent(".govuk-notification-banner")).toContain("sent to the hub");
    const sent = await mis.ctx.db
      .selectFrom("exports")
      .select(["destination", "transfer_id"])
      .execute();
    expect(sent.map((s) => s.destination).sort()).toEqual(["8231500", "9382001", "XXXXXXX"]);
    const meadow = await t.token("meadowlane");
    const toMeadow = sent.find((s) => s.destination === "9382001")?.transfer_id as string;
    await eventually("the file at Meadow Lane", async () => {
      const v = await json(await t.api(meadow, `/api/v1/transfers/${toMeadow}`));
      return v.status === "available" ? v : undefined;
    });
    await t.api(meadow, `/api/v1/transfers/${toMeadow}/reject`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ reason: "Not joining us after all" }),
    });
    await visit("/exports", "exports-after");
    const table = (await page.textContent("table")) ?? "";
    expect(table).toContain(
      "Rejected by Meadow Lane Primary School (9382001): “Not joining us after all”",
    );
    expect(table).toContain("Lost Pupils database");
  });

  it("keeps a file back in the data exchange folder, and sends it later", async () => {
    const folder = await mkdtemp(join(tmpdir(), "s2s-exchange-page-"));
    await visit("/settings", "settings-folder");
    await page.fill("#exchangeFolder", "ctf-files");
    await page.click("button:has-text('Save folder')");
    expect(await page.textContent(".govuk-error-summary")).toContain("full path");
    await check("settings-folder-error");
    await page.fill("#exchangeFolder", folder);
    await page.click("button:has-text('Save folder')");
    expect(await page.textContent("main")).toContain("Data exchange folder saved.");

    await visit("/pupils", "pupils-again");
    const links = await page.$$eval("table a", (as) => as.map((a) => a.getAttribute("href")));
    await visit(links[3] as string, "pupil-kept-back");
    await page.fill("#date-day", "30");
    await page.fill("#date-month", "11");
    await page.fill("#date-year", "2026");
    await page.selectOption("#reason", "IM");
    await page.selectOption("#destination", "9382001");
    await page.click("button:has-text('Save leaving details')");
    await visit("/exports", "exports-keep-back");
    for (const box of await page.$$("input[name=pupil]")) await box.check();
    await page.click("button:has-text('Export and save to the data exchange folder')");
    expect(await page.textContent(".govuk-notification-banner")).toContain("kept back");
    const [written] = await readdir(folder);
    expect(written).toMatch(/^8231234_CTF_9382001_\d{3}\.XML$/);
    expect(await page.textContent("table")).toContain(`Saved to ${join(folder, written ?? "")}`);
    await page.click(`button[aria-label='Send ${written} to the hub now']`);
    expect(await page.textContent(".govuk-notification-banner")).toContain("File sent to the hub.");
    const row = await page.textContent(`tr:has-text('${written}')`);
    expect(row).not.toContain("Send to the hub now");
  });

  it("shows overdue leavers and tests the hub connection in settings", async () => {
    await visit("/overdue", "overdue");
    // 20 October to 1 December: 25 school days, with the half term not counted.
    expect(await page.textContent("main")).toContain("25");
    // An INSET day on 2 November, added on the calendar page, is not a school day either.
    await visit("/calendar", "calendar");
    expect(await page.textContent("main")).toContain("England's usual dates");
    await page.fill("#firstDay-day", "2");
    await page.fill("#firstDay-month", "11");
    await page.fill("#firstDay-year", "2026");
    await page.selectOption("#kind", "inset");
    await page.fill("#label", "Training day");
    await page.click("button:has-text('Add closure')");
    expect(await page.textContent(".govuk-notification-banner")).toContain("Calendar saved.");
    await check("calendar-own");
    const table = (await page.textContent("table")) ?? "";
    expect(table).toContain("Training day");
    expect(table).toContain("Christmas");
    await visit("/overdue", "overdue-after-inset");
    const cells = await page.$$eval("table tbody td", (tds) =>
      tds.map((t) => t.textContent?.trim()),
    );
    expect(cells).toContain("24");
    expect(cells).not.toContain("25");
    await visit("/settings?test=1", "settings");
    expect(await page.textContent("main")).toContain("Connected");
    await page.fill("#hubUrl", t.url);
    await page.fill("#hubToken", "s2s_wrong-token");
    await page.click("button:has-text('Save and test')");
    expect(await page.textContent("[role=alert]")).toContain("does not accept the token");
  });

  it("lets a manager add a user, and any user make and revoke an API token", async () => {
    await visit("/users", "users");
    await page.click("a:has-text('Add a user')");
    await check("user-new");
    await page.click("button:has-text('Add user')");
    // Every problem of the form at once, not one a try.
    const summary = (await page.textContent(".govuk-error-summary")) ?? "";
    expect(summary).toContain("A username is 3 to 64");
    expect(summary).toContain("That is not an e-mail address.");
    expect(summary).toContain("Choose manager or staff");
    await check("user-new-error");
    await page.fill("#username", "office-new");
    await page.fill("#email", "new@example.org");
    await page.check("input[name=role][value=staff]");
    await page.click("button:has-text('Add user')");
    await check("user-made");
    expect(await page.textContent("h1")).toContain("User office-new added");
    expect((await page.textContent("#password"))?.length).toBeGreaterThanOrEqual(12);
    await visit("/users", "users-after");
    expect(await page.textContent("tr:has-text('office-new')")).toContain("Active");
    expect(await page.$("button[aria-label='Disable office']")).toBeNull();
    // Disabling asks first, naming what will happen; cancelling leaves the user active.
    await page.click("button[aria-label='Disable office-new']");
    expect(await page.textContent("h1")).toContain("Disable office-new?");
    await check("user-disable-confirm");
    await page.click("a:has-text('Cancel')");
    expect(await page.textContent("tr:has-text('office-new')")).toContain("Active");
    // A manager gives one user a shorter token life; a typing slip is said at the field.
    await page.click("a:has-text('Change how long office-new')");
    await check("user-token-life");
    await page.fill("#tokenMaxDays", "a month");
    await page.click("button:has-text('Set token life')");
    expect(await page.textContent(".govuk-error-summary")).toContain("Give a number of whole days");
    await check("user-token-life-error");
    await page.fill("#tokenMaxDays", "30");
    await page.click("button:has-text('Set token life')");
    expect(await page.textContent("tr:has-text('office-new')")).toContain("30 days");

    await visit("/account", "account");
    // A token always ends, and is made only with the password given again.
    await page.fill("#tokenPassword", DEMO_PASSWORD);
    await page.click("button:has-text('Make a token')");
    const token = (await page.textContent("#token")) ?? "";
    expect(token).toMatch(/^s2s_mis_/);
    const api = await fetch(`${mis.url}/api/v1/pupils`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(api.status).toBe(200);
    await visit("/account", "account-token");
    await page.click("button:has-text('Revoke')");
    // Asked first, naming what stops working; the token works until confirmed.
    expect(await page.textContent("h1")).toContain("Revoke this token?");
    await check("token-revoke-confirm");
    const still = await fetch(`${mis.url}/api/v1/pupils`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(still.status).toBe(200);
    await page.click("button:has-text('Yes, revoke this token')");
    expect(await page.textContent(".govuk-notification-banner")).toContain("Token revoked.");
    const after = await fetch(`${mis.url}/api/v1/pupils`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(after.status).toBe(401);
  });

  it("shows every area of a pupil's record, and edits the core details, refusing what is wrong", async () => {
    await visit("/pupils?status=onroll", "pupils-onroll");
    const href = (await page.getAttribute("table a", "href")) as string;
    await visit(href, "pupil-areas");
    const headings = await page.$$eval("main h2", (hs) => hs.map((h) => h.textContent?.trim()));
    for (const area of [
      "Basic details",
      "Languages",
      "Contacts",
      "Address",
      "School history",
      "Attendance",
      "Assessments",
      "SEN provision",
      "Free school meals",
    ])
      expect(headings).toContain(area);
    // A generated pupil has years of attendance: each is a row with its sessions.
    const attendance = await page.$$eval(
      "table:has(caption:text-is('Attendance')) tbody tr",
      (trs) => trs.length,
    );
    expect(attendance).toBeGreaterThan(0);

    await page.click("a:has-text('core details')");
    await check("pupil-edit");
    await page.fill("#upn", "A12345678901X");
    await page.fill("#dob-day", "31");
    await page.fill("#dob-month", "2");
    await page.click("button:has-text('Save details')");
    expect(await page.textContent(".govuk-error-summary")).toContain(
      "UPN A12345678901X is not valid",
    );
    await check("pupil-edit-error");
    expect(await page.inputValue("#dob-day")).toBe("31");
    await page.fill("#upn", "");
    await page.click("button:has-text('Save details')");
    expect(await page.textContent(".govuk-error-summary")).toContain("date of birth");
    await page.fill("#dob-day", "3");
    await page.fill("#dob-month", "3");
    await page.fill("#surname", "Okonkwo-Smith");
    await page.fill("#preferredForename", "Sam");
    await page.click("button:has-text('Save details')");
    expect(await page.textContent(".govuk-notification-banner")).toContain("Details saved.");
    expect(await page.textContent("h1")).toContain("Okonkwo-Smith");
    const edits = await mis.ctx.db
      .selectFrom("audit_events")
      .select("detail")
      .where("action", "=", "pupil.edit")
      .orderBy("id")
      .execute();
    const fields = (edits.at(-1)?.detail ?? {}) as { fields?: string[] };
    expect(fields.fields).toEqual(expect.arrayContaining(["surname", "preferredForename", "dob"]));
    expect(fields.fields).not.toContain("forename");
  });

  it("records the same leaving details for pupils chosen in the list", async () => {
    await visit("/pupils?status=onroll", "pupils-choose");
    await page.click("button:has-text('Save leaving details for the chosen pupils')");
    expect(await page.textContent(".govuk-error-summary")).toContain(
      "Choose the pupils who are leaving",
    );
    await check("pupils-choose-error");
    const boxes = await page.$$("input[name=pupil]");
    const chosen: string[] = [];
    for (const box of boxes.slice(0, 2)) {
      await box.check();
      chosen.push((await box.getAttribute("value")) as string);
    }
    await page.fill("#date-day", "30");
    await page.fill("#date-month", "11");
    await page.fill("#date-year", "2026");
    await page.selectOption("#reason", "IM");
    await page.selectOption("#destination", "MMMMMMM");
    await page.click("button:has-text('Save leaving details for the chosen pupils')");
    expect(await page.textContent(".govuk-notification-banner")).toContain(
      "Leaving details saved for the pupils you chose",
    );
    const rows = await mis.ctx.db
      .selectFrom("pupils")
      .select(["leaving_destination"])
      .where("id", "in", chosen)
      .execute();
    expect(rows).toEqual([{ leaving_destination: "MMMMMMM" }, { leaving_destination: "MMMMMMM" }]);
  });

  it("has a new user choose their password, a link replace a lost one, and staff set up a second factor", async () => {
    // office-new was added above; the manager saw the password it was given.
    await visit("/users", "users-first-password");
    const staff = await (await browser.newContext()).newPage();
    const given = await (async () => {
      await page.click("a:has-text('Add a user')");
      await page.fill("#username", "office-two");
      await page.fill("#email", "two@example.org");
      await page.check("input[name=role][value=staff]");
      await page.click("button:has-text('Add user')");
      return (await page.textContent("#password")) ?? "";
    })();
    const signIn = async (password: string) => {
      await staff.goto(`${mis.url}/sign-in`);
      await staff.fill("#username", "office-two");
      await staff.fill("#password", password);
      await staff.click("button:has-text('Sign in')");
    };
    await signIn(given);
    // Someone else has seen it: choosing one's own comes before anything else.
    expect(staff.url()).toContain("/account/new-password");
    violations.push({
      page: "new-password",
      ids: (await accessibilityViolations(staff)).map((v) => v.id),
    });
    await staff.goto(`${mis.url}/pupils`);
    expect(staff.url()).toContain("/account/new-password");
    await staff.fill("#current", given);
    await staff.fill("#password", "a kettle of orange kites");
    await staff.fill("#confirm", "a kettle of orange kites");
    await staff.click("button:has-text('Change password')");
    expect(await staff.textContent("h1")).toBe("Brookfield Primary School");

    // Forgotten: a manager makes a link, and never sees the new password.
    await visit("/users", "users-link");
    await page.click("button[aria-label='Make a password link for office-two']");
    await check("password-link-confirm");
    await page.click("button:has-text('Yes, make the link')");
    await check("password-link-made");
    const link = (await page.textContent("#password-link")) ?? "";
    expect(link).toContain("/sign-in/link/");
    await staff.context().clearCookies();
    await signIn("a kettle of orange kites");
    expect(await staff.textContent(".govuk-error-summary")).toContain(
      "The username or password is wrong",
    );
    await staff.goto(link);
    violations.push({
      page: "password-link",
      ids: (await accessibilityViolations(staff)).map((v) => v.id),
    });
    await staff.fill("#password", "seven lanterns under snow");
    await staff.fill("#confirm", "seven lanterns under snow");
    await staff.click("button:has-text('Save and continue')");
    expect(await staff.textContent("h1")).toBe("Brookfield Primary School");
    await staff.goto(link);
    expect(await staff.textContent("h1")).toContain("This link has expired");

    // The manager requires a second factor of staff: at their next sign-in they set one up.
    await visit("/settings", "settings-second-factor");
    await page.check("input[name=staff][value=yes]");
    await page.click("form[action='/settings/second-factor'] button");
    expect(await page.textContent("[role=status]")).toContain("Second factor setting saved");
    await staff.context().clearCookies();
    await signIn("seven lanterns under snow");
    expect(staff.url()).toContain("/sign-in/set-up");
    violations.push({
      page: "second-factor-set-up",
      ids: (await accessibilityViolations(staff)).map((v) => v.id),
    });
    const key = ((await staff.textContent("#totp-key")) ?? "").replace(/\s/g, "");
    await staff.fill("#code", codeAt(key, stepAt(NOW)));
    await staff.click("button:has-text('Confirm')");
    expect(await staff.textContent("h1, .govuk-panel__title")).toContain("Your recovery codes");
    violations.push({
      page: "recovery-codes",
      ids: (await accessibilityViolations(staff)).map((v) => v.id),
    });
    expect(await staff.$$("#recovery-codes li")).toHaveLength(10);
    await staff.click("a:has-text('Continue')");
    expect(await staff.textContent("h1")).toBe("Brookfield Primary School");
    await staff.close();
  });

  it("fits a phone: no page scrolls sideways at 375 px", async () => {
    await page.goto(`${mis.url}/pupils?status=onroll`);
    const pupil = await page.getAttribute("table a", "href");
    const wide: Record<string, number> = {};
    await page.setViewportSize({ width: 375, height: 800 });
    for (const path of [
      "/",
      "/pupils",
      `${pupil}`,
      "/exports",
      "/overdue",
      "/imports",
      "/associated-schools",
      "/associated-schools?q=hill",
      "/calendar",
      "/users",
      "/account",
      "/settings",
    ]) {
      await page.goto(`${mis.url}${path}`);
      wide[path] = await page.evaluate(
        () =>
          (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } })
            .document.documentElement.scrollWidth,
      );
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(Object.entries(wide).filter(([, w]) => w > 375)).toEqual([]);
  });

  it("adds a pupil by hand, answering a missing name at its field first", async () => {
    await visit("/pupils", "pupils-before-add");
    await page.click("a:has-text('Add a pupil')");
    await check("pupil-new");
    await page.fill("#forename", "Amara");
    await page.click("button:has-text('Add pupil')");
    expect(await page.textContent(".govuk-error-summary")).toContain("The surname is needed.");
    await check("pupil-new-error");
    await page.fill("#surname", "Okafor");
    await page.fill("#dob-day", "14");
    await page.fill("#dob-month", "5");
    await page.fill("#dob-year", "2016");
    await page.check("input[name=sex][value=F]");
    await page.click("button:has-text('Add pupil')");
    expect(await page.textContent(".govuk-notification-banner")).toContain("Pupil added.");
    expect(await page.textContent("h1")).toContain("Okafor");
    // Then their first contact, on a page of its own.
    await page.click("a:has-text('Add a contact')");
    await check("contact-new");
    await page.click("button:has-text('Save contact')");
    expect(await page.textContent(".govuk-error-summary")).toContain(
      "Give the contact's surname or forename.",
    );
    await check("contact-new-error");
    await page.fill("#forename", "Ngozi");
    await page.fill("#surname", "Okafor");
    await page.fill("#phone-1", "01632 960123");
    await page.click("button:has-text('Save contact')");
    expect(await page.textContent(".govuk-notification-banner")).toContain("Contact saved.");
    await page.click("a:has-text('Change Ngozi Okafor')");
    await check("contact-change");
    // Their address and special educational needs, each on a page of its own.
    await page.click("a:has-text('Cancel')");
    await page.click("a:has-text('Add the address')");
    await check("address-edit");
    await page.fill("#house", "14");
    await page.click("button:has-text('Save address')");
    expect(await page.textContent(".govuk-error-summary")).toContain("Give the street.");
    await check("address-edit-error");
    await page.fill("#street", "Grey Street");
    await page.fill("#town", "Newcastle upon Tyne");
    await page.fill("#postcode", "ne1 6ee");
    await page.click("button:has-text('Save address')");
    expect(await page.textContent(".govuk-notification-banner")).toContain("Address saved.");
    expect(await page.textContent("main")).toContain(
      "14 Grey Street, Newcastle upon Tyne, NE1 6EE",
    );
    await page.click("a:has-text('Change special educational needs')");
    await check("sen-edit");
    await page.selectOption("#provision", "K");
    await page.click("button:has-text('Save special educational needs')");
    expect(await page.textContent(".govuk-error-summary")).toContain(
      "Give the date the new provision starts.",
    );
    await check("sen-edit-error");
    await page.fill("#startDate-day", "2");
    await page.fill("#startDate-month", "3");
    await page.fill("#startDate-year", "2026");
    await page.selectOption("#primaryNeed", "SLCN");
    await page.click("button:has-text('Save special educational needs')");
    expect(await page.textContent(".govuk-notification-banner")).toContain(
      "Special educational needs saved.",
    );
    expect(await page.textContent("main")).toContain("Speech, Language and Communication Needs");
  });

  it("prints the leavers' report without the menus, saying who printed it and when", async () => {
    await visit("/exports", "exports-for-report");
    await page.click('a:has-text("Leavers\' report")');
    await check("leavers-report");
    expect(await page.locator("tbody tr").count()).toBeGreaterThan(0);
    await page.emulateMedia({ media: "print" });
    expect(await page.locator("header.govuk-header").isVisible()).toBe(false);
    expect(await page.locator("footer").isVisible()).toBe(false);
    expect(await page.getByText(/^Printed from .* by office/).isVisible()).toBe(true);
    expect(await page.locator("tbody tr").first().isVisible()).toBe(true);
    await page.emulateMedia({ media: "screen" });
    expect(await page.getByText(/^Printed from/).isVisible()).toBe(false);
  });

  it("finds a pupil's exported files by their name", async () => {
    const exported = await mis.ctx.db
      .selectFrom("exports")
      .select("pupil_ids")
      .executeTakeFirstOrThrow();
    const pupil = await mis.ctx.db
      .selectFrom("pupils")
      .select("surname")
      .where("id", "=", exported.pupil_ids[0] as string)
      .executeTakeFirstOrThrow();
    await visit("/exports", "exports-before-search");
    await page.getByLabel("Find a pupil's files").fill(pupil.surname.slice(0, 3));
    await page.getByRole("button", { name: "Find files" }).click();
    await page.locator("#search-result").waitFor();
    expect(page.url()).not.toContain(pupil.surname.slice(0, 3));
    await check("exports-search");
  });

  it("has help for each task of the office, linked from every page", async () => {
    await visit("/", "home-for-help");
    await page.getByRole("link", { name: "Help", exact: true }).first().click();
    await check("help");
    for (const topic of [
      "Recording a leaver and sending their file",
      "Correcting a mistake",
      "Importing a pupil's file",
      "What the codes in a CTF mean",
    ]) {
      await visit("/help", "help");
      await page.getByRole("link", { name: topic }).click();
      expect(await page.locator("h1").textContent()).toBe(topic);
      await check(`help-${topic}`);
    }
  });

  it("has no accessibility failures on any page it visited", () => {
    expect(violations.filter((v) => v.ids.length > 0)).toEqual([]);
  });
});
