/**
 * The hub's pages in a real browser: the journeys a school office, a receiving school and an
 * administrator make, each page checked for accessibility and photographed on the way.
 */
import { readFile } from "node:fs/promises";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import type { CtfDocument } from "../../src/ctf/model.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { createUser } from "../../src/hub/users.js";
import { accessibilityViolations, HAVE_CHROMIUM, launch, screenshot } from "../helpers/browser.js";
import { eventually, startTestHub, type TestHub } from "../helpers/hub.js";

const PASSWORD = "demo-password-only";
const NOW = new Date("2026-11-02T09:00:00Z");

interface Ctf {
  doc: CtfDocument;
  xml: string;
  name: string;
}

function ctf(to: string, sequence: number, seed: number, pupils = 3): Ctf {
  const doc = generateCtf({ from: "8231234", to, pupils, seed, now: NOW });
  const name = `8231234_CTF_${to}_${String(sequence).padStart(3, "0")}.XML`;
  return { doc, xml: writeCtf(doc), name };
}

describe.skipIf(!HAVE_CHROMIUM)("the hub's pages in Chromium", () => {
  let t: TestHub;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const visited: {
    name: string;
    violations: Awaited<ReturnType<typeof accessibilityViolations>>;
  }[] = [];

  beforeAll(async () => {
    t = await startTestHub("pglite");
    browser = await launch();
  }, 90_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await t?.stop();
  });

  // One browser context per user, signed in once: sign-in is rate limited (10 a minute).
  const sessions = new Map<string, BrowserContext>();

  async function signedIn(username: string, password = PASSWORD): Promise<Page> {
    const existing = sessions.get(username);
    if (existing) {
      const page = await existing.newPage();
      await page.goto(`${t.url}/`);
      return page;
    }
    const context = await browser.newContext({ acceptDownloads: true });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${t.url}/`);
    expect(new URL(page.url()).pathname).toBe("/sign-in");
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Password", { exact: true }).fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((url) => url.pathname === "/" || url.pathname === "/sign-in/code");
    if (new URL(page.url()).pathname === "/sign-in/code") {
      await look(page, `second step for ${username}`);
      await page.getByLabel("Security code").fill(t.code(username));
      await page.getByRole("button", { name: "Continue" }).click();
      await page.waitForURL(`${t.url}/`);
    }
    sessions.set(username, context);
    return page;
  }

  /** Checks the page with axe and keeps a screenshot; a violation fails the journey. */
  async function look(page: Page, name: string): Promise<void> {
    const violations = await accessibilityViolations(page);
    visited.push({ name, violations });
    await screenshot(page, name);
    expect(violations, `accessibility of ${name}`).toEqual([]);
    // No personal data in titles or addresses: the pupils' names never appear there.
    expect(await page.title()).toMatch(/– S2S school to school$/);
  }

  async function send(page: Page, files: Ctf[]): Promise<void> {
    await page.goto(`${t.url}/send`);
    await look(page, "send");
    await page.getByLabel("CTF files").setInputFiles(
      files.map((f) => ({
        name: f.name,
        mimeType: "application/xml",
        buffer: Buffer.from(f.xml),
      })),
    );
    await page.getByRole("button", { name: "Send files" }).click();
    // Post/redirect/get: the results have an address of their own, so reloading sends nothing.
    await page.waitForURL((u) => u.pathname === "/send/results");
  }

  const first = ctf("9382001", 1, 11);
  const second = ctf("9382001", 2, 12, 2);

  it("a school sends files and sees each one checked without going back", async () => {
    const page = await signedIn("brookfield");
    await look(page, "home-school");
    await send(page, [first, second]);
    // The script swaps each outcome in as soon as it is checked.
    for (const f of [first, second]) {
      const outcome = page.locator(".app-outcome", { hasText: f.name });
      await expect
        .poll(() => outcome.textContent(), { timeout: 15_000 })
        .toContain("Waiting to be downloaded");
    }
    await look(page, "send-results");
    for (const pupil of first.doc.pupils) {
      expect(page.url()).not.toContain(pupil.surname ?? "?");
    }
    const sentBefore = await t.hub.ctx.db.selectFrom("transfers").select("id").execute();
    await page.reload();
    await expect
      .poll(() => page.locator(".app-outcome", { hasText: first.name }).textContent())
      .toContain("Waiting to be downloaded");
    const sentAfter = await t.hub.ctx.db.selectFrom("transfers").select("id").execute();
    expect(sentAfter.length).toBe(sentBefore.length);
  });

  it("a broken file is refused with its line, and a misnamed one is sent by its right name", async () => {
    const page = await signedIn("brookfield");
    const broken = ctf("9382001", 3, 13);
    const lines = broken.xml.split("\n");
    const at = lines.findIndex((l) => l.includes("<DOB>"));
    lines[at] = lines[at]?.replace(/<DOB>[^<]*<\/DOB>/, "<DOB>31/02/2019</DOB>") ?? "";
    broken.xml = lines.join("\n");
    const misnamed = { ...ctf("9382001", 4, 14), name: "export.xml" };
    await send(page, [broken, misnamed]);
    const outcome = page.locator(".app-outcome", { hasText: broken.name });
    await expect
      .poll(() => outcome.textContent(), { timeout: 15_000 })
      .toContain("This file was not sent");
    expect(await outcome.textContent()).toContain(`line ${at + 1}`);
    // The pupil by name, then what is wrong, then where.
    const who = broken.doc.pupils[0];
    expect(await outcome.textContent()).toContain(
      `Pupil 1, ${who?.surname} ${who?.forename} (UPN ${who?.upn}): `,
    );
    // Three files went to 9382001 already (001, 002 and the broken 003): the next is 004. The
    // office is told, and need not rename the file on its own disk.
    const rightName = "8231234_CTF_9382001_004.XML";
    await page
      .getByText(`export.xml is not named as a CTF is, so it was sent as ${rightName}`)
      .waitFor();
    await expect
      .poll(() => page.locator(".app-outcome", { hasText: rightName }).textContent(), {
        timeout: 15_000,
      })
      .toContain("Waiting to be downloaded");
    await look(page, "send-errors");
  });

  it("the destination sees who is in a file, accepts, and downloads the exact bytes", async () => {
    const page = await signedIn("meadowlane");
    await look(page, "home-receiver");
    await page.getByRole("link", { name: "Received files" }).click();
    await look(page, "received");
    await page.getByRole("link", { name: first.name }).click();
    for (const pupil of first.doc.pupils)
      await page.getByText(`${pupil.surname}, ${pupil.forename}`).waitFor();
    await look(page, "received-file");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Accept and download" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(first.name);
    const bytes = await readFile((await download.path()) as string, "utf8");
    expect(bytes).toBe(first.xml);
    // The page says it was downloaded, by whom and when, and what to do next.
    await page.getByText("You accepted this file and its download has started").waitFor();
    const main = (await page.locator("main").textContent()) ?? "";
    expect(main).toContain("Downloaded by meadowlane (Meadow Lane Primary School (9382001)) on");
    expect(main).toContain("What to do next: import the file into your MIS");
    await look(page, "received-file-downloaded");
    // The sender sees the file's whole story, with times, naming the other school.
    const sender = await signedIn("brookfield");
    await sender.goto(`${t.url}/sent`);
    await sender.getByRole("link", { name: first.name }).click();
    const story = sender.getByRole("table", { name: "What has happened to this file" });
    for (const line of [
      "Sent by brookfield (Brookfield Primary School (8231234))",
      "Checked: no errors",
      "Looked at by Meadow Lane Primary School (9382001)",
      "Downloaded by Meadow Lane Primary School (9382001)",
    ])
      expect(await story.textContent(), line).toContain(line);
    // The receiving school's staff are not named to the sender.
    expect(await story.textContent()).not.toContain("meadowlane");
    await look(sender, "sent-file-history");
    // Downloaded files stay available to download again while held.
    // The list filters by status, kept in the address so the view can be bookmarked.
    await page.goto(`${t.url}/received`);
    await page.getByLabel("Status").selectOption("downloaded");
    await page.getByRole("button", { name: "Show files" }).click();
    expect(new URL(page.url()).searchParams.get("status")).toBe("downloaded");
    const held = page.getByRole("row", { name: new RegExp(first.name) });
    expect(await held.textContent()).toContain("Downloaded");
    expect(await page.locator("tbody tr").count()).toBe(1);
    await look(page, "received-downloaded");
    // On a phone (375 px wide) the lists fit without scrolling sideways.
    await page.setViewportSize({ width: 375, height: 800 });
    for (const path of ["/received", "/sent", "/"]) {
      await page.goto(`${t.url}${path}`);
      const wide = await page.evaluate(
        () =>
          (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } })
            .document.documentElement.scrollWidth,
      );
      expect(wide, path).toBeLessThanOrEqual(375);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${t.url}/received?status=downloaded`);
    await page.getByRole("link", { name: first.name }).click();
    await page.getByRole("link", { name: "Download this file again" }).waitFor();
  });

  it("the receiver is warned when a pupil came in a file it downloaded before", async () => {
    // The same seed makes the same pupils as the first file, which has been downloaded.
    const again = ctf("9382001", 5, 11);
    const sender = await signedIn("brookfield");
    await send(sender, [again]);
    await expect
      .poll(() => sender.locator(".app-outcome", { hasText: again.name }).textContent(), {
        timeout: 15_000,
      })
      .toContain("Waiting to be downloaded");
    const receiver = await signedIn("meadowlane");
    await receiver.goto(`${t.url}/received`);
    await receiver.getByRole("link", { name: again.name }).click();
    await receiver
      .getByText("3 pupils in this file were also in a file you downloaded before")
      .waitFor();
    expect(await receiver.locator("main").textContent()).toContain(first.name);
    await look(receiver, "received-file-seen-before");
  });

  it("a rejected file shows its reason in the sender's sent list", async () => {
    const receiver = await signedIn("meadowlane");
    await receiver.goto(`${t.url}/received`);
    await receiver.getByRole("link", { name: second.name }).click();
    await receiver.getByRole("button", { name: "Reject file" }).click();
    // No reason: the error summary links to the field.
    await receiver.getByRole("link", { name: "Enter why you are rejecting this file" }).waitFor();
    expect(await receiver.title()).toMatch(/^Error: /);
    await look(receiver, "reject-error");
    await receiver
      .getByLabel("Why are you rejecting this file?")
      .fill("This pupil never joined us");
    await receiver.getByRole("button", { name: "Reject file" }).click();
    // Nothing is rejected before the receiver confirms what will happen.
    await receiver.getByRole("heading", { name: "Reject this file?" }).waitFor();
    const asked = (await receiver.locator("main").textContent()) ?? "";
    expect(asked).toContain("Brookfield Primary School (8231234) will be e-mailed");
    expect(asked).toContain(`${second.name} (2 pupils)`);
    expect(asked).toContain("This pupil never joined us");
    await look(receiver, "reject-confirm");
    await receiver.getByRole("link", { name: "Cancel" }).click();
    await receiver.getByRole("heading", { name: second.name }).waitFor();
    await receiver
      .getByLabel("Why are you rejecting this file?")
      .fill("This pupil never joined us");
    await receiver.getByRole("button", { name: "Reject file" }).click();
    await receiver.getByRole("button", { name: "Yes, reject this file" }).click();
    await receiver.getByText("File rejected.").waitFor();

    const sender = await signedIn("brookfield");
    await sender.getByRole("link", { name: "Sent files" }).click();
    const row = sender.getByRole("row", { name: new RegExp(second.name) });
    expect(await row.textContent()).toContain("Rejected");
    expect(await row.textContent()).toContain("This pupil never joined us");
    const done = sender.getByRole("row", { name: new RegExp(first.name) });
    expect(await done.textContent()).toContain("Downloaded by Meadow Lane Primary School");
    await look(sender, "sent");
    await eventually("the rejection e-mail", async () =>
      t.smtp.received.find((m) => (m.text ?? "").includes("This pupil never joined us")),
    );
  });

  it("an administrator creates a user who then signs in", async () => {
    const admin = await signedIn("admin");
    await look(admin, "home-admin");
    await admin.getByRole("link", { name: "Users", exact: true }).click();
    await look(admin, "admin-users");
    await admin.getByRole("button", { name: "Create a user" }).click();
    // Every problem of the form at once, not one a try.
    await admin.getByLabel("Username").fill("x");
    await admin.getByLabel("E-mail address").fill("not an address");
    await admin.getByLabel("School staff").check();
    await admin.getByRole("button", { name: "Create user" }).click();
    const summary = (await admin.locator(".govuk-error-summary").textContent()) ?? "";
    expect(summary).toContain("A username is 3 to 64");
    expect(summary).toContain("That is not an e-mail address.");
    expect(summary).toContain("A school user needs an establishment (LAESTAB).");
    await look(admin, "admin-user-new-errors");
    await admin.getByLabel("Username").fill("office.manager");
    await admin.getByLabel("E-mail address").fill("office.manager@staff.invalid");
    // Only the chosen role's field shows.
    await admin.getByLabel("Local authority staff").check();
    expect(await admin.getByLabel("LAESTAB of their school").isVisible()).toBe(false);
    expect(await admin.getByLabel("LA code").isVisible()).toBe(true);
    await admin.getByLabel("School staff").check();
    expect(await admin.getByLabel("LA code").isVisible()).toBe(false);
    await admin.getByLabel("LAESTAB of their school").fill("8231234");
    await look(admin, "admin-user-new");
    await admin.getByRole("button", { name: "Create user" }).click();
    // The administrator never sees a password, and the account opens only when the school
    // approves it: its notice address is e-mailed a link; then the user is sent theirs.
    await admin.getByText("It opens when its organisation approves it").waitFor();
    expect(await admin.content()).not.toMatch(/id="secret"/);
    await look(admin, "admin-user-created");
    const approval = await eventually("the school asked to approve the account", async () => {
      await t.hub.deliverMail();
      const asked = t.smtp
        .to("office@8231234.schools.invalid")
        .find((m) => /approve or decline/.test(m.subject ?? ""));
      return /\/approve-account\/[A-Za-z0-9_-]+/.exec(asked?.text ?? "")?.[0];
    });
    expect(t.smtp.to("office.manager@staff.invalid")).toEqual([]);
    // The school's own users see it waiting on their home page, with the choice to make.
    const office = await signedIn("brookfield");
    await office.getByText("1 new account for your organisation waits for your approval").waitFor();
    await office.getByRole("link", { name: "Approve or decline" }).click();
    await office.getByRole("cell", { name: "office.manager", exact: true }).waitFor();
    await look(office, "approvals");
    await office.close();

    const context = await browser.newContext();
    contexts.push(context);
    const school = await context.newPage();
    await school.goto(`${t.url}${approval}`);
    await school.getByRole("heading", { name: /Approve a new account for Brookfield/ }).waitFor();
    await look(school, "approve-account");
    await school.getByRole("button", { name: "Approve this account" }).click();
    await school.getByText("Account approved").waitFor();
    await look(school, "approve-account-done");
    const user = await context.newPage();
    const welcome = await t.signInLink("office.manager@staff.invalid");
    await user.goto(`${t.url}${welcome}`);
    await look(user, "sign-in link");
    await user.getByLabel("New password", { exact: true }).fill("office manager's own words");
    await user.getByLabel("New password again").fill("office manager's own words");
    await user.getByRole("button", { name: "Save and continue" }).click();
    await user.getByRole("heading", { name: "S2S home" }).waitFor();

    // The user makes an API token for themselves, shown once; the administrator sees it listed
    // and revokes it; then disables the user, whose open session ends.
    await user.goto(`${t.url}/account`);
    await look(user, "account");
    await user.getByLabel("Label for a new token").fill("sync agent in the office");
    await user.getByLabel("Your password", { exact: true }).fill("office manager's own words");
    await user.getByRole("button", { name: "Create API token" }).click();
    const token = (await user.locator("#secret").textContent())?.trim() ?? "";
    expect((await t.api(token, "/api/v1/me")).status).toBe(200);
    await admin.reload();
    await admin.getByRole("cell", { name: "sync agent in the office", exact: true }).waitFor();
    await look(admin, "admin-user");
    await admin.getByRole("button", { name: /^Revoke/ }).click();
    await admin.getByText('The API token "sync agent in the office" of office.manager').waitFor();
    expect((await t.api(token, "/api/v1/me")).status).toBe(200);
    await admin.getByRole("button", { name: "Yes, revoke this token" }).click();
    await admin.getByText("Token revoked.").waitFor();
    expect((await t.api(token, "/api/v1/me")).status).toBe(401);
    await admin.getByRole("button", { name: "Disable user" }).click();
    await admin.getByText("will be signed out now and will not be able to sign in").waitFor();
    await look(admin, "disable-confirm");
    await admin.getByRole("button", { name: /^Yes, disable/ }).click();
    await admin.getByText("User disabled.").waitFor();
    await user.goto(`${t.url}/account`);
    expect(new URL(user.url()).pathname).toBe("/sign-in");

    // Enabled again, and a new sign-in link sent; the user chooses a new password with it.
    await admin.getByRole("button", { name: "Enable user" }).click();
    await admin.getByText("User enabled.").waitFor();
    await admin.getByRole("button", { name: "E-mail a sign-in link" }).click();
    await admin.getByText("We have e-mailed office.manager@staff.invalid").waitFor();
    const reset = await t.signInLink("office.manager@staff.invalid", welcome);
    await user.goto(`${t.url}${reset}`);
    await user.getByLabel("New password", { exact: true }).fill("a fresh choice of words");
    await user.getByLabel("New password again").fill("a fresh choice of words");
    await user.getByRole("button", { name: "Save and continue" }).click();
    await user.getByRole("heading", { name: "S2S home" }).waitFor();
    // The link works once.
    await user.goto(`${t.url}${reset}`);
    await user.getByRole("heading", { name: "This link has expired" }).waitFor();
  });

  it("an administrator sets a school's notice e-mail and reads the directory and audit log", async () => {
    const admin = await signedIn("admin");
    // A school's notice e-mail, changed by hand: the new address confirms it.
    await admin.goto(`${t.url}/admin/establishments/8231235`);
    await admin.getByLabel("E-mail address").fill("not an address");
    await admin.getByRole("button", { name: "Save e-mail address" }).click();
    await admin.getByRole("link", { name: "That is not an e-mail address." }).waitFor();
    await look(admin, "admin-establishment-error");
    await admin.getByLabel("E-mail address").fill("notices@8231235.schools.invalid");
    await admin.getByRole("button", { name: "Save e-mail address" }).click();
    // It takes effect only when that address confirms, from the link e-mailed to it.
    await admin.getByText("We have e-mailed the new address to confirm it.").waitFor();
    const confirm = await eventually("the confirmation e-mail", async () => {
      await t.hub.deliverMail();
      const links = t.smtp
        .to("notices@8231235.schools.invalid")
        .map((m) => /\/confirm-email\/[A-Za-z0-9_-]+/.exec(m.text ?? "")?.[0]);
      return links.find((l) => l !== undefined);
    });
    const inbox = await browser.newContext();
    contexts.push(inbox);
    const office = await inbox.newPage();
    await office.goto(`${t.url}${confirm}`);
    await look(office, "confirm-email");
    await office.getByRole("button", { name: "Confirm this address" }).click();
    await office.getByText("Address confirmed").first().waitFor();

    for (const [path, name] of [
      ["/admin/establishments?q=Brook", "admin-establishments"],
      ["/admin/establishments/8231234", "admin-establishment"],
      ["/admin/audit", "admin-audit"],
      ["/admin/outbox", "admin-outbox"],
      ["/admin/establishments?q=823", "admin-establishments-of-la"],
    ] as const) {
      await admin.goto(`${t.url}${path}`);
      await look(admin, name);
    }
    // A message opens from the mail list.
    await admin.goto(`${t.url}/admin/outbox`);
    await admin.locator("tbody tr a").first().click();
    await admin.getByRole("heading", { name: "The message" }).waitFor();
    await look(admin, "admin-mail");
    expect(await admin.getByText("There is a problem").count()).toBe(0);

    // The audit log, filtered to downloads: the receiver's download is there, by its user.
    await admin.goto(`${t.url}/admin/audit`);
    await admin.getByLabel("Action").fill("download");
    await admin.getByRole("button", { name: "Filter" }).click();
    const rows = admin.locator("tbody tr");
    expect(await rows.count()).toBeGreaterThan(0);
    for (const text of await rows.allTextContents()) {
      // In words, naming the file and the school rather than their ids.
      expect(text).toContain("Downloaded a file: 8231234_CTF_9382001_");
      expect(text).toContain("meadowlane");
      expect(text).toContain("Meadow Lane Primary School (9382001)");
    }
    // The view can be bookmarked: the filter is in the address, and a user by number only.
    expect(new URL(admin.url()).searchParams.get("action")).toBe("download");
    await admin.getByLabel("Username").fill("meadowlane");
    await admin.getByRole("button", { name: "Filter" }).click();
    const address = new URL(admin.url());
    expect(address.searchParams.get("user")).toMatch(/^[0-9a-f-]{36}$/);
    expect(address.search).not.toContain("meadowlane");
    await admin.goto(address.toString());
    expect(await rows.count()).toBeGreaterThan(0);
    await look(admin, "admin-audit-filtered");
  });

  it("school details and the account page pass, and a wrong password says so", async () => {
    const page = await signedIn("brookfield");
    await page.getByRole("link", { name: "School details" }).click();
    await page.getByText("8231234").first().waitFor();
    await look(page, "school");
    await page
      .getByLabel("What is wrong, and what should it say?")
      .fill("Our notice e-mail should be office@brookfield.example.org");
    await page.getByRole("button", { name: "Report correction" }).click();
    await page.getByText("Thank you.").waitFor();
    const admin = await signedIn("admin");
    await admin.goto(`${t.url}/admin/establishments/8231234`);
    await admin.getByText("Our notice e-mail should be office@brookfield.example.org").waitFor();
    await page.getByRole("link", { name: "Your account" }).click();
    await look(page, "account");
    const missing = await page.goto(`${t.url}/no-such-page`);
    expect(missing?.status()).toBe(404);
    await page.getByRole("heading", { name: "Page not found" }).waitFor();
    await look(page, "not-found");

    const context = await browser.newContext();
    contexts.push(context);
    const anon = await context.newPage();
    await anon.goto(`${t.url}/sign-in`);
    await anon.getByLabel("Username").fill("brookfield");
    await anon.getByLabel("Password", { exact: true }).fill("not the password");
    await anon.getByRole("button", { name: "Sign in" }).click();
    await anon.getByRole("link", { name: "The username or password is wrong." }).waitFor();
    await look(anon, "sign-in-error");
  });

  it("no script can read the session cookie, and a form without its token is refused", async () => {
    const page = await signedIn("brookfield");
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === "s2s_session");
    expect(session?.httpOnly).toBe(true);
    expect(
      await page.evaluate(
        () => (globalThis as unknown as { document: { cookie: string } }).document.cookie,
      ),
    ).not.toContain("s2s_session");
    // The same browser, its own cookies, a form post with no token: refused, nothing changed.
    for (const body of [
      "text=Please+change+our+name",
      "text=Please+change+our+name&_csrf=forged",
    ]) {
      const status = await page.evaluate(async (form) => {
        const r = await fetch("/school/correction", {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: form,
        });
        return r.status;
      }, body);
      expect(status, body).toBe(403);
    }
    const corrections = await t.hub.ctx.db
      .selectFrom("corrections")
      .select("id")
      .where("text", "=", "Please change our name")
      .execute();
    expect(corrections).toEqual([]);
  });

  it("an LA finds a lost pupil by a misspelt name and passes the file to their new school", async () => {
    const lost = ctf("XXXXXXX", 1, 21, 1);
    const school = await signedIn("brookfield");
    await send(school, [lost]);
    const outcome = school.locator(".app-outcome", { hasText: lost.name });
    await expect
      .poll(() => outcome.textContent(), { timeout: 15_000 })
      .toContain("Lost Pupils database");

    const pupil = lost.doc.pupils[0];
    const surname = pupil?.surname ?? "";
    const la = await signedIn("northshire-la");
    await la.goto(`${t.url}/`);
    await la.getByRole("heading", { name: "Needs your attention" }).waitFor();
    await look(la, "home-la");
    // The tabs work: "From your schools" shows the lost file, named.
    await la.getByRole("tab", { name: "From your schools" }).click();
    await la.getByRole("tabpanel").getByRole("link", { name: lost.name }).waitFor();
    await la.getByRole("link", { name: "Lost pupils", exact: true }).click();
    // One letter wrong, as a name is often heard and typed.
    await la
      .getByLabel("Surname")
      .fill(`${surname.slice(0, -1)}${surname.endsWith("e") ? "a" : "e"}`);
    // The date of birth in the GOV.UK date boxes, day, month and year.
    const [year, month, day] = (pupil?.dob ?? "").split("-");
    const dob = la.getByRole("group", { name: "Date of birth" });
    await dob.getByLabel("Day").fill(String(Number(day)));
    await dob.getByLabel("Month").fill(String(Number(month)));
    await dob.getByLabel("Year").fill(year ?? "");
    await la.getByRole("button", { name: "Search" }).click();
    expect(new URL(la.url()).search).toBe("");
    const row = la.getByRole("row", { name: new RegExp(pupil?.upn ?? "?") });
    await row.waitFor();
    // Which register, why it matched, and the sending school by name.
    const found = (await row.textContent()) ?? "";
    expect(found).toContain("Brookfield Primary School (8231234)");
    expect(found).toContain("Lost Pupils database");
    expect(found).toContain(`surname "${surname}", like`);
    expect(found).toContain("date of birth");
    await look(la, "lost-pupils");
    // The register of what its own schools sent, newest first.
    await la.getByRole("link", { name: /^Lost Pupils database: files from your schools/ }).click();
    const listed = la.getByRole("row", { name: new RegExp(pupil?.upn ?? "?") });
    await listed.waitFor();
    await look(la, "lost-pupils-register");
    await listed.getByRole("link").click();
    await look(la, "lost-file");
    // By town: several schools match, each named with its town and LA.
    await la.getByLabel("The pupil's new school").fill("Northam");
    await la.getByRole("button", { name: "Pass file on" }).click();
    await la.getByRole("heading", { name: "Which school has the pupil joined?" }).waitFor();
    await look(la, "pass-on-choose");
    await la.getByLabel("Hillcrest Academy (8231235)").check();
    await la.getByRole("button", { name: "Continue" }).click();
    await la.getByRole("heading", { name: "Pass this file on?" }).waitFor();
    const asked = (await la.locator("main").textContent()) ?? "";
    expect(asked).toContain("Hillcrest Academy (8231235), Northam, in Northshire (LA 823)");
    expect(asked).toContain("holding 1 pupil");
    await look(la, "pass-on-confirm");
    await la.getByRole("button", { name: "Yes, pass this file on" }).click();
    await la.getByText("File passed on.").waitFor();
    // Every file to its schools, filtered by the school it went to, the filter kept in the address.
    await la.getByRole("link", { name: "To your schools", exact: true }).click();
    await la.getByLabel("To", { exact: true }).selectOption("8231235");
    await la.getByRole("button", { name: "Show files" }).click();
    expect(new URL(la.url()).search).toContain("school=8231235");
    const passed = la.getByRole("row", { name: new RegExp(lost.name) });
    expect(await passed.textContent()).toContain("Hillcrest Academy (8231235)");
    await look(la, "to-schools");
    // What its schools sent, with the school each came from.
    await la.getByRole("link", { name: "Sent files", exact: true }).click();
    await la.getByLabel("From", { exact: true }).selectOption("8231234");
    await la.getByRole("button", { name: "Show files" }).click();
    await la.getByRole("row", { name: new RegExp(lost.name) }).waitFor();
    await look(la, "sent-la");

    await school.goto(`${t.url}/sent`);
    const sent = school.getByRole("row", { name: new RegExp(lost.name) });
    expect(await sent.textContent()).toContain("Waiting to be downloaded");
  });

  it("an LA sees children who may be found, dismisses one with a reason and passes one on", async () => {
    // Two children sent out of sector in one file; later, both in a file to Hillcrest Academy,
    // one surname mistyped.
    const gone = generateCtf({ from: "8231234", to: "MMMMMMM", pupils: 2, seed: 41, now: NOW });
    const later = generateCtf({ from: "8231234", to: "8231235", pupils: 2, seed: 42, now: NOW });
    const people = [
      { surname: "Okafor", forename: "Amara", dob: "2014-03-09", sex: "F" },
      { surname: "Whitfield", forename: "Leo", dob: "2013-11-20", sex: "M" },
    ];
    for (const [i, who] of people.entries()) {
      Object.assign(gone.pupils[i] ?? {}, who);
      Object.assign(later.pupils[i] ?? {}, i === 0 ? { ...who, surname: "Okafr" } : who);
    }
    const school = await signedIn("brookfield");
    const files = [
      { doc: gone, xml: writeCtf(gone), name: "8231234_CTF_MMMMMMM_041.XML" },
      { doc: later, xml: writeCtf(later), name: "8231234_CTF_8231235_042.XML" },
    ];
    await send(school, files.slice(0, 1));
    await expect
      .poll(() => school.locator(".app-outcome").first().textContent(), { timeout: 15_000 })
      .toContain("out of sector");
    await send(school, files.slice(1));
    const la = await signedIn("northshire-la");
    await la.goto(`${t.url}/lost-pupils`);
    await la.getByRole("link", { name: /^Possible found children/ }).click();
    await expect
      .poll(
        async () => {
          await la.reload();
          return la.getByRole("heading", { name: /waiting for a decision/ }).count();
        },
        { timeout: 15_000 },
      )
      .toBe(2);
    const text = (await la.locator("main").textContent()) ?? "";
    expect(text).toContain("surname, one letter out");
    // The page names no child: the files' own pages do, and every look there is recorded.
    expect(text).not.toMatch(/Okaf|Amara|Whitfield/);
    await look(la, "possible-found");
    // Dismissing needs a reason, said beside its box.
    const whitfield = la.locator("section.app-match", { hasText: "surname; forename" });
    await whitfield.getByRole("button", { name: "Not this child" }).click();
    await la.getByRole("link", { name: "Say why this is not the child." }).waitFor();
    await look(la, "possible-found-error");
    await la
      .locator("section.app-match", { hasText: "surname; forename" })
      .getByLabel("Why is it not this child?")
      .fill("Another child: the school has seen the birth certificate.");
    await la
      .locator("section.app-match", { hasText: "surname; forename" })
      .getByRole("button", { name: "Not this child" })
      .click();
    await la.getByText("Dismissed. The reason is kept with the match.").waitFor();
    await la
      .locator("section.app-match", { hasText: "one letter out" })
      .getByRole("button", { name: "It is this child: pass the register file on" })
      .click();
    await la.getByText("File passed on. We have e-mailed the school.").waitFor();
    expect(await la.getByRole("heading", { name: /waiting for a decision/ }).count()).toBe(0);
    await look(la, "possible-found-decided");
  });

  it("prints a file's page as a summary: its facts and pupils, without menus or buttons", async () => {
    const page = await signedIn("meadowlane");
    await page.goto(`${t.url}/received`);
    await page.getByRole("link", { name: first.name }).click();
    await page.emulateMedia({ media: "print" });
    expect(await page.locator("header.govuk-header").isVisible()).toBe(false);
    expect(await page.locator("main .govuk-button").first().isVisible()).toBe(false);
    expect(await page.getByText(/^Printed from .* by meadowlane/).isVisible()).toBe(true);
    const who = first.doc.pupils[0];
    expect(await page.getByText(`${who?.surname}, ${who?.forename}`).isVisible()).toBe(true);
    await page.emulateMedia({ media: "screen" });
  });

  it("finds a received file by a pupil's name, the name kept out of the address", async () => {
    const page = await signedIn("meadowlane");
    await page.goto(`${t.url}/received`);
    const surname = first.doc.pupils[0]?.surname as string;
    await page.getByLabel("Find a file by a pupil in it").fill(surname.slice(0, 4));
    await page.getByRole("button", { name: "Find files" }).click();
    await page.locator("#search-result").waitFor();
    expect(page.url()).not.toContain(surname.slice(0, 4));
    await page.getByRole("link", { name: first.name }).waitFor();
    await look(page, "received-search");
  });

  it("reaches help from the footer, before signing in, and reads what a code means", async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${t.url}/sign-in`);
    await page.locator("footer").getByRole("link", { name: "Help with each step" }).click();
    await page.waitForURL(`${t.url}/help`);
    await look(page, "help");
    for (const topic of [
      "Sending a pupil's file",
      "When a file is rejected or fails its checks",
      "Receiving a file",
      "When a pupil's new school is not known",
    ]) {
      await page.goto(`${t.url}/help`);
      await page.getByRole("link", { name: topic }).click();
      expect(await page.locator("h1").textContent()).toBe(topic);
      await look(page, `help ${topic}`);
    }
    await page.goto(`${t.url}/help`);
    await page.getByRole("link", { name: "What the codes in a CTF mean" }).click();
    await page.locator("summary", { hasText: "Leaving reason" }).click();
    await page.getByRole("row", { name: /^IM In year transfer/ }).waitFor();
    await look(page, "help codes");
  });

  it("works without JavaScript: send, then Check again until the file is checked", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${t.url}/sign-in`);
    await page.getByLabel("Username").fill("brookfield");
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${t.url}/`);
    const file = ctf("9382003", 1, 31);
    await page.goto(`${t.url}/send`);
    await page.getByLabel("CTF files").setInputFiles({
      name: file.name,
      mimeType: "application/xml",
      buffer: Buffer.from(file.xml),
    });
    await page.getByRole("button", { name: "Send files" }).click();
    await page.waitForURL((u) => u.pathname === "/send/results");
    await expect
      .poll(
        async () => {
          const text = await page.locator(".app-outcome").textContent();
          if (!text?.includes("Waiting to be downloaded"))
            await page.getByRole("link", { name: "Check again" }).click();
          return text;
        },
        { timeout: 15_000, interval: 500 },
      )
      .toContain("Waiting to be downloaded");
  });

  it("an LA officer sets up a second factor at first sign-in, replaces the operator's password, then signs in with a recovery code", async () => {
    await createUser(t.hub.ctx, null, {
      username: "new-la-officer",
      email: "officer@la.invalid",
      role: "la",
      laCode: "823",
      password: "a proper long passphrase",
      changeAtSignIn: true,
    });
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${t.url}/sign-in`);
    await page.getByLabel("Username").fill("new-la-officer");
    await page.getByLabel("Password", { exact: true }).fill("a proper long passphrase");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${t.url}/sign-in/set-up`);
    await look(page, "second factor set-up");
    expect(await page.locator(".app-qr svg").count()).toBe(1);
    const key = (await page.locator("#totp-key").textContent()) ?? "";
    await page.getByLabel("Code from the app").fill("000000");
    await page.getByRole("button", { name: "Confirm" }).click();
    expect(await page.locator(".govuk-error-summary").textContent()).toContain("not right");
    t.totpSecrets.set("new-la-officer", key.replace(/\s/g, ""));
    await page.getByLabel("Code from the app").fill(t.code("new-la-officer"));
    await page.getByRole("button", { name: "Confirm" }).click();
    await look(page, "recovery codes");
    const codes = await page.locator("#recovery-codes code").allTextContents();
    expect(codes).toHaveLength(10);
    await page.getByRole("link", { name: "Continue" }).click();
    // The operator's password opens this first sign-in only: the officer chooses their own.
    await page.waitForURL(`${t.url}/account/new-password`);
    await look(page, "new password");
    await page.getByLabel("The password you signed in with").fill("a proper long passphrase");
    await page.getByLabel("New password", { exact: true }).fill("only the officer knows this");
    await page.getByLabel("New password again").fill("only the officer knows this");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.waitForURL(`${t.url}/`);
    await page.getByRole("heading", { name: "Needs your attention" }).waitFor();
    await page.getByRole("button", { name: "Sign out" }).click();
    // Phone lost: a recovery code signs in, once.
    for (const expected of ["signed in", "refused"]) {
      await page.goto(`${t.url}/sign-in`);
      await page.getByLabel("Username").fill("new-la-officer");
      await page.getByLabel("Password", { exact: true }).fill("only the officer knows this");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${t.url}/sign-in/code`);
      await page.getByLabel("Security code").fill(codes[0] ?? "");
      await page.getByRole("button", { name: "Continue" }).click();
      if (expected === "signed in") {
        await page.waitForURL(`${t.url}/`);
        await page.getByRole("button", { name: "Sign out" }).click();
      } else expect(await page.locator(".govuk-error-summary").textContent()).toContain("wrong");
    }
  });

  it("every page visited passed axe", () => {
    expect(visited.length).toBeGreaterThan(15);
    expect(visited.filter((v) => v.violations.length > 0)).toEqual([]);
  });
});
