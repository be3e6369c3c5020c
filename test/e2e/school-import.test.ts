/**
 * Importing a CTF on the school side's pages, in Chromium against a real hub: the file waiting
 * on the hub is listed, each pupil's match is shown with its reasons, a merge is previewed field
 * by field, a lookalike needs a person's decision, the import is committed and then undone.
 * Every page is checked for accessibility on the way.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import type { Pupil } from "../../src/ctf/model.js";
import { readCtf } from "../../src/ctf/read.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { DEMO_PASSWORD } from "../../src/hub/demo.js";
import { codeAt, stepAt } from "../../src/platform/accounts/totp.js";
import { addAssociatedSchool } from "../../src/school/associated-schools.js";
import { misConfigFromEnv } from "../../src/school/config.js";
import { createDemoRegister } from "../../src/school/demo.js";
import { createExports } from "../../src/school/export.js";
import { setLeaving } from "../../src/school/leaving.js";
import { createPupil } from "../../src/school/pupil-edits.js";
import { initSchool } from "../../src/school/school.js";
import { type RunningMis, startMis } from "../../src/school/service.js";
import { createMisUser } from "../../src/school/users.js";
import { CHOOSE_EACH_UP_TO } from "../../src/school/web/pages/import-pages.js";
import { accessibilityViolations, HAVE_CHROMIUM, launch, screenshot } from "../helpers/browser.js";
import { eventually, json, startTestHub, type TestHub } from "../helpers/hub.js";

const office = { userId: "", username: "office", role: "manager" as const };
/** The manager's authenticator key (managers sign in with a second factor). */
const KEY = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

describe.skipIf(!HAVE_CHROMIUM)("importing a CTF on the school side's pages in Chromium", () => {
  let t: TestHub;
  let sender: RunningMis;
  let receiver: RunningMis;
  let browser: Browser;
  let page: Page;
  let fileName: string;
  let file: Pupil[];
  const violations: { page: string; ids: string[] }[] = [];
  const clock = () => new Date("2026-12-01T10:00:00Z");

  async function check(name: string) {
    violations.push({ page: name, ids: (await accessibilityViolations(page)).map((v) => v.id) });
    await screenshot(page, `school-import-${name}`);
  }

  async function schoolSide(laestab: string, name: string, hubUser: string) {
    const dataDir = await mkdtemp(join(tmpdir(), "s2s-mis-import-pages-"));
    const mis = await startMis(
      misConfigFromEnv({}, { dataDir, port: 0, pgliteTemplate: inject("misPgliteTemplate") }),
      { demo: true, clock },
    );
    await initSchool(mis.ctx, { laestab, name, hubUrl: t.url, hubToken: await t.token(hubUser) });
    const user = await createMisUser(mis.ctx, null, {
      username: "office",
      email: "office@example.org",
      role: "manager",
      password: DEMO_PASSWORD,
      totpSecret: KEY,
    });
    return { mis, actor: { ...office, userId: user.id } };
  }

  beforeAll(async () => {
    t = await startTestHub("pglite");
    const from = await schoolSide("8231234", "Brookfield Primary School", "brookfield");
    sender = from.mis;
    const to = await schoolSide("9382001", "Meadow Lane Primary School", "meadowlane");
    receiver = to.mis;
    await createDemoRegister(sender.ctx, 6, 41);
    await addAssociatedSchool(sender.ctx, from.actor, { laestab: "9382001" });
    const leavers = await sender.ctx.db.selectFrom("pupils").select("id").limit(2).execute();
    for (const l of leavers)
      await setLeaving(sender.ctx, from.actor, l.id, {
        date: "2026-11-27",
        reason: "IM",
        destination: "9382001",
      });
    const [made] = await createExports(sender.ctx, from.actor, {
      pupils: leavers.map((l) => l.id),
      send: true,
    });
    fileName = made?.fileName as string;
    const xml = await sender.ctx.db
      .selectFrom("exports")
      .select("xml")
      .where("id", "=", made?.id as string)
      .executeTakeFirstOrThrow();
    file = (await readCtf(xml.xml)).document?.pupils ?? [];
    await eventually("the file checked at the hub", async () => {
      const v = await json(
        await t.api(await t.token("meadowlane"), `/api/v1/transfers/${made?.transferId}`),
      );
      return v.status === "available" ? v : undefined;
    });
    // Keyed in by hand at Meadow Lane: the first pupil with the UPN, the second without.
    const [a, b] = file as [Pupil, Pupil];
    await createPupil(receiver.ctx, to.actor, {
      upn: a.upn ?? null,
      surname: a.surname ?? "",
      forename: a.forename ?? "",
      dob: a.dob ?? "",
      sex: a.sex ?? "",
      preferredForename: "Zed",
      regGroup: "5M",
    });
    await createPupil(receiver.ctx, to.actor, {
      surname: (b.surname ?? "").toUpperCase(),
      forename: b.forename ?? "",
      dob: b.dob ?? "",
      sex: b.sex ?? "",
    });
    browser = await launch();
    page = await (await browser.newContext()).newPage();
    await page.goto(`${receiver.url}/sign-in`);
    await page.fill("#username", "office");
    await page.fill("#password", DEMO_PASSWORD);
    await page.click("button:has-text('Sign in')");
    await page.fill("#code", codeAt(KEY, stepAt(clock())));
    await page.click("button:has-text('Continue')");
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await sender?.stop();
    await receiver?.stop();
    await t?.stop();
  });

  it("lists the file waiting on the hub and starts an import with each pupil's matches", async () => {
    await page.goto(`${receiver.url}/imports`);
    await check("imports");
    expect(await page.textContent("table")).toContain("Brookfield Primary School (8231234)");
    await page.click(`button[aria-label='Import ${fileName}']`);
    await check("import");
    expect(await page.textContent("h1")).toBe(fileName);
    const [a, b] = file as [Pupil, Pupil];
    const first = (await page.textContent(`fieldset:has-text('Pupil 1: ${a.surname}')`)) ?? "";
    expect(first).toContain("certain: same UPN");
    const second = (await page.textContent(`fieldset:has-text('Pupil 2: ${b.surname}')`)) ?? "";
    expect(second).toContain("same surname, same forename, same date of birth");
    // The certain match is chosen for you; the lookalike is not.
    expect(await page.isChecked("input[name='decision-1'][value^='merge:']")).toBe(true);
    // Merge or skip only: adding a second record would put one UPN on roll twice.
    expect(await page.$$eval("input[name='decision-1'][value='new']", (x) => x.length)).toBe(0);
    expect(first).toContain("merged or skipped, never added again");
    expect(await page.$$eval("input[name='decision-2'][value='new']", (x) => x.length)).toBe(1);
    expect(await page.$$eval("input[name='decision-2']:checked", (x) => x.length)).toBe(0);
  });

  it("previews a merge field by field before anything changes", async () => {
    await page.click("fieldset:has-text('Pupil 1') a:has-text('see what would change')");
    await check("import-preview");
    // Fields in words, not the CTF's names; codes with what they mean.
    const row = await page.textContent("tr:has(td:text-is('Preferred forename'))");
    expect(row).toContain("Zed");
    expect(row).toContain("Yours kept");
    const details = (await page.textContent("table:has(caption:text-is('Basic details'))")) ?? "";
    expect(details).not.toMatch(/ncYearActual|preferredForename|ethnicitySource/);
    expect(details).toMatch(/Year \d+ \(\d+\)/);
    expect(await page.textContent("table:has(caption:text-is('Contacts'))")).toContain(
      "Added from the file",
    );
    await page.click("a:has-text('Back to the import')");
  });

  it("refuses to import until the lookalike is decided and a date given, then imports", async () => {
    await page.click("button:has-text('Import')");
    const errors = (await page.textContent(".govuk-error-summary")) ?? "";
    expect(errors).toContain("Give the admission date");
    await check("import-error");
    await page.fill("#admissionDate-day", "1");
    await page.fill("#admissionDate-month", "12");
    await page.fill("#admissionDate-year", "2026");
    await page.selectOption("#ncYear", "5");
    await page.click("button:has-text('Import')");
    expect(await page.textContent(".govuk-error-summary")).toContain(
      "Choose add, merge or skip for the pupils who resemble someone",
    );
    await page.check("input[name='decision-2'][value='new']");
    // The second pupil joins another group than the rest.
    await page.click(
      "fieldset:has-text('Pupil 2') + details summary, #pupils details:has(#regGroup-2) summary",
    );
    await page.fill("#regGroup-2", "5X");
    await page.click("button:has-text('Import')");
    expect(await page.textContent(".govuk-notification-banner")).toContain("Import done");
    await check("import-done");
    expect(await page.textContent("main")).toContain("1 added, 1 merged, 0 skipped");
    // It links to each pupil it added or merged, to check their records next.
    const links = page.locator("#imported-pupils a");
    expect(await links.count()).toBe(2);
    expect(await page.textContent("#imported-pupils")).toMatch(
      /\(added[,)][\s\S]*\(merged[,)]|\(merged[,)][\s\S]*\(added[,)]/,
    );
    const added = (file[1] as Pupil).surname as string;
    await page.locator("#imported-pupils a", { hasText: added }).click();
    expect(await page.textContent("h1")).toContain(added);
    await page.goBack();
    const count = await receiver.ctx.db
      .selectFrom("pupils")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(3);
    const groups = await receiver.ctx.db
      .selectFrom("pupils")
      .select(["upn", "reg_group"])
      .where("upn", "=", (file[1] as Pupil).upn ?? "")
      .execute();
    expect(groups).toEqual([{ upn: (file[1] as Pupil).upn, reg_group: "5X" }]);
    // Both start today: the home page says so.
    await page.goto(`${receiver.url}/`);
    expect(await page.textContent("main")).toContain("2 joined today");
    await page.goBack();
  });

  it("undoes the import from its page", async () => {
    await page.click("button:has-text('Undo this import')");
    // It asks first, saying what it will take back; nothing is undone until then.
    expect(await page.textContent("h1")).toBe(`Undo the import of ${fileName}?`);
    const said = (await page.textContent("main")) ?? "";
    expect(said).toMatch(/The \d+ pupils? it added will be removed from your register/);
    expect(said).toMatch(/The \d+ pupils? it merged will go back to what they were/);
    await check("import-undo-confirm");
    const before = await receiver.ctx.db.selectFrom("imports").select("status").execute();
    expect(before.map((i) => i.status)).toContain("committed");
    await page.click("button:has-text('Yes, undo this import')");
    expect(await page.textContent(".govuk-notification-banner")).toContain("Import undone.");
    await check("import-undone");
    const rows = await receiver.ctx.db.selectFrom("pupils").select(["record"]).execute();
    expect(rows).toHaveLength(2);
    const zed = rows.find((r) => r.record.basicDetails?.preferredForename === "Zed");
    expect(zed?.record.contacts).toBeUndefined();
    await page.goto(`${receiver.url}/imports`);
    expect(await page.textContent("table:has(caption:text-is('Imports, newest first'))")).toContain(
      "Undone",
    );
  });

  it("imports a file of hundreds of pupils, asking only what it must, and says it is working", async () => {
    const pupils = CHOOSE_EACH_UP_TO + 30;
    const dir = await mkdtemp(join(tmpdir(), "s2s-large-import-"));
    const path = join(dir, "8231234_CTF_9382001_077.XML");
    await writeFile(
      path,
      writeCtf(generateCtf({ from: "8231234", to: "9382001", pupils, seed: 77 })),
    );
    await page.goto(`${receiver.url}/imports`);
    await page.setInputFiles("#upload", path);
    await page.click("button:has-text('Upload and import')");
    expect(await page.textContent("main")).toContain(`This file has ${pupils} pupils`);
    await check("import-large");
    await page.check("#skip-5");
    await page.fill("#admissionDate-day", "1");
    await page.fill("#admissionDate-month", "12");
    await page.fill("#admissionDate-year", "2026");
    // What the page says while its answer is on its way, noted as the form is sent (after the
    // page's own script has run) and read back once the answer has come.
    await page.evaluate(`document.querySelector("form[data-app-working]").addEventListener("submit", () => {
      const button = document.querySelector("form[data-app-working] button[type=submit]");
      sessionStorage.setItem("meanwhile", JSON.stringify({
        said: document.querySelector("[role=status]").textContent,
        disabled: button.disabled,
      }));
    })`);
    await page.click("button:has-text('Import')");
    await page.waitForSelector(".govuk-notification-banner");
    expect(await page.textContent(".govuk-notification-banner")).toContain("Import done.");
    const meanwhile = JSON.parse(
      String(await page.evaluate(`sessionStorage.getItem("meanwhile")`)),
    );
    expect(meanwhile.said).toContain(`Importing ${pupils} pupils.`);
    expect(meanwhile.disabled).toBe(true);
    expect(await page.locator("#imported-pupils li").count()).toBe(pupils - 1);
    // One file after another: the hub's file (its import undone above) is offered next.
    expect((await page.textContent("main"))?.replace(/\s+/g, " ")).toContain(
      `Next file ${fileName} from Brookfield`,
    );
    await check("import-large-done");
    await page.click("button:has-text('Import the next file')");
    expect(await page.textContent("h1")).toContain(fileName);
    expect(await page.locator("input[name='decision-1']").count()).toBeGreaterThan(0);
  });

  it("has no accessibility failures on any page it visited", () => {
    expect(violations.filter((v) => v.ids.length > 0)).toEqual([]);
  });
});
