/**
 * A pupil's contacts edited by hand on pages after an import: added, changed and removed (asked
 * first), every problem of the form answered at once at its field, what the form does not show
 * (an address from the file) kept, and each change audited without its values.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningMis } from "../../src/school/service.js";
import { PageClient, pageText } from "../helpers/pages.js";
import { addPupilOnPage, STAFF_PASSWORD, startStaffedSchool } from "../helpers/school-side.js";

describe("editing a pupil's contacts", () => {
  let mis: RunningMis;
  let office: PageClient;
  let id = "";

  beforeAll(async () => {
    mis = await startStaffedSchool("contacts");
    office = new PageClient(mis.url);
    await office.signIn("office", STAFF_PASSWORD);
    id = await addPupilOnPage(office);
  }, 60_000);

  afterAll(async () => {
    await mis?.stop();
  });

  const post = async (path: string, fields: Record<string, string>) =>
    office.post(path, { _csrf: await office.token(), ...fields });
  const contacts = async () =>
    (
      await mis.ctx.db
        .selectFrom("pupils")
        .select("record")
        .where("id", "=", id)
        .executeTakeFirstOrThrow()
    ).record.contacts ?? [];

  it("answers every problem at once, keeping what was typed", async () => {
    expect(await (await office.request(`/pupils/${id}`)).text()).toContain(
      `href="/pupils/${id}/contacts/new"`,
    );
    const r = await post(`/pupils/${id}/contacts/new`, {
      "phone-1": "call me",
      email: "not an address",
      relationship: "PAR",
    });
    expect(r.status).toBe(400);
    const said = pageText(await r.text());
    expect(said).toContain("Give the contact's surname or forename.");
    expect(said).toContain("Phone 1: give the number in digits");
    expect(said).toContain("Give the e-mail as name@example.org.");
    expect(await contacts()).toEqual([]);
  });

  it("adds a contact, audited by the area changed and never its values", async () => {
    const r = await post(`/pupils/${id}/contacts/new`, {
      forename: "Ngozi",
      surname: "Okafor",
      relationship: "PAM",
      responsibility: "true",
      "phone-1": "01632 960123",
      "phoneType-1": "H",
      email: "ngozi@example.org",
    });
    expect(r.status).toBe(303);
    expect(r.headers.get("location")).toBe(`/pupils/${id}?done=contact#contacts`);
    expect(await contacts()).toEqual([
      {
        order: "1",
        forename: "Ngozi",
        surname: "Okafor",
        relationship: "PAM",
        responsibility: "true",
        phones: [{ type: "H", number: "01632 960123" }],
        email: "ngozi@example.org",
      },
    ]);
    const page = pageText(await (await office.request(`/pupils/${id}`)).text());
    expect(page).toContain("Ngozi Okafor");
    const audit = await mis.ctx.db
      .selectFrom("audit_events")
      .select("detail")
      .where("action", "=", "pupil.edit")
      .execute();
    expect(audit.at(-1)?.detail).toEqual({ fields: ["contacts"] });
    expect(JSON.stringify(audit)).not.toContain("01632");
  });

  it("changes a contact, keeping the address the form does not show", async () => {
    const [first] = await contacts();
    const withAddress = { ...first, address: { postCode: "NE1 4ST", addressAsPupil: "true" } };
    await mis.ctx.db
      .updateTable("pupils")
      .set({
        record: JSON.stringify({ surname: "Okafor", forename: "Amara", contacts: [withAddress] }),
      })
      .where("id", "=", id)
      .execute();
    const form = await (await office.request(`/pupils/${id}/contacts/1`)).text();
    expect(form).toMatch(/name="phone-1"[^>]*value="01632 960123"/);
    const r = await post(`/pupils/${id}/contacts/1`, {
      forename: "Ngozi",
      surname: "Okafor-Ade",
      relationship: "PAM",
      responsibility: "true",
      "phone-1": "07700 900123",
      "phoneType-1": "M",
    });
    expect(r.status).toBe(303);
    const [changed] = await contacts();
    expect(changed).toMatchObject({
      surname: "Okafor-Ade",
      phones: [{ type: "M", number: "07700 900123" }],
      address: { postCode: "NE1 4ST" },
    });
    expect(changed?.email).toBeUndefined();
  });

  it("removes a contact only once confirmed", async () => {
    const asked = await post(`/pupils/${id}/contacts/1/remove`, {});
    expect(pageText(await asked.text())).toContain("Remove this contact?");
    expect(await contacts()).toHaveLength(1);
    const done = await post(`/pupils/${id}/contacts/1/remove`, { confirm: "yes" });
    expect(done.status).toBe(303);
    expect(await contacts()).toEqual([]);
    expect((await office.request(`/pupils/${id}/contacts/1`)).status).toBe(404);
  });
});
