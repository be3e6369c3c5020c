/**
 * Every page action that sends a child's record somewhere or destroys something asks first,
 * naming what will happen, and does nothing until confirmed: reject, remove (sender and
 * receiver), pass on, disable a user, revoke a token.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { createToken } from "../../src/hub/tokens.js";
import { json, sendAndCheck, startTestHub, type TestHub } from "../helpers/hub.js";
import { PageClient, pageText } from "../helpers/pages.js";

const PASSWORD = "demo-password-only";
const text = async (r: Response) => pageText(await r.text());

describe("confirmation before sending or destroying", () => {
  let t: TestHub;
  const as: Record<string, PageClient> = {};

  async function send(to: string, seq: number, pupils = 2) {
    const name = `8231234_CTF_${to}_${String(seq).padStart(3, "0")}.XML`;
    const doc = generateCtf({ from: "8231234", to, pupils, seed: 40 + seq });
    const sent = await sendAndCheck(t, await t.token("brookfield"), name, writeCtf(doc));
    return { id: sent.id as string, name, doc };
  }
  async function status(id: string) {
    return (await json(await t.api(await t.token("brookfield"), `/api/v1/transfers/${id}`))).status;
  }
  /** Posts the form as its page would, first without confirming, then confirming. */
  async function twice(who: string, path: string, fields: Record<string, string> = {}) {
    const _csrf = await as[who]?.token();
    const client = as[who] as PageClient;
    const asked = await client.post(path, { _csrf: _csrf ?? "", ...fields });
    return {
      status: asked.status,
      page: await text(asked),
      confirm: () => client.post(path, { _csrf: _csrf ?? "", ...fields, confirm: "yes" }),
    };
  }

  beforeAll(async () => {
    t = await startTestHub("pglite");
    for (const u of ["brookfield", "meadowlane", "northshire-la", "admin"]) {
      as[u] = new PageClient(t.url);
      await as[u].signIn(u, PASSWORD, () => t.code(u));
    }
  }, 90_000);

  afterAll(async () => {
    await t?.stop();
  });

  it("rejects only once confirmed, saying who is e-mailed the reason", async () => {
    const f = await send("9382001", 1);
    // A pupil's name from the file is caught before anything is asked or sent.
    const forename = f.doc.pupils[0]?.forename as string;
    const named = await twice("meadowlane", `/received/${f.id}/reject`, {
      reason: `${forename} is not ours`,
    });
    expect(named.status).toBe(400);
    expect(named.page).toContain(`Your reason contains "${forename}"`);
    expect(named.page).not.toContain("Reject this file?");
    const step = await twice("meadowlane", `/received/${f.id}/reject`, { reason: "Not our pupil" });
    expect(step.status).toBe(200);
    expect(step.page).toContain("Reject this file?");
    expect(step.page).toContain(
      `Brookfield Primary School (8231234) will be e-mailed that you rejected ${f.name} (2 pupils)`,
    );
    expect(step.page).toContain('"Not our pupil"');
    expect(await status(f.id)).toBe("available");
    expect((await step.confirm()).status).toBe(303);
    expect(await status(f.id)).toBe("rejected");
  });

  it("removes a sent file only once confirmed, naming where it was going", async () => {
    const f = await send("9382001", 2, 3);
    const step = await twice("brookfield", `/sent/${f.id}/remove`);
    expect(step.page).toContain(
      `${f.name}, holding 3 pupils, will not be delivered to Meadow Lane Primary School (9382001)`,
    );
    expect(await status(f.id)).toBe("available");
    expect((await step.confirm()).status).toBe(303);
    expect(await status(f.id)).toBe("removed");
  });

  it("deletes a downloaded file only once confirmed, reminding the school to import it first", async () => {
    const f = await send("9382001", 3);
    expect(
      (
        await t.api(await t.token("meadowlane"), `/api/v1/transfers/${f.id}/accept`, {
          method: "POST",
        })
      ).status,
    ).toBe(200);
    const step = await twice("meadowlane", `/received/${f.id}/remove`);
    expect(step.page).toContain("Delete this file from S2S now?");
    expect(step.page).toContain("make sure it has been imported into your MIS first");
    expect(await status(f.id)).toBe("downloaded");
    expect((await step.confirm()).status).toBe(303);
    expect(await status(f.id)).toBe("removed");
  });

  it("passes a lost file on by the school's name, naming the school, its LA and the pupils", async () => {
    const f = await send("XXXXXXX", 4, 1);
    expect(await status(f.id)).toBe("lost");
    const step = await twice("northshire-la", `/received/${f.id}/pass-on`, { to: "hillcrest" });
    expect(step.page).toContain("Pass this file on?");
    expect(step.page).toContain(
      "Hillcrest Academy (8231235), Northam, in Northshire (LA 823), will be sent",
    );
    expect(step.page).toContain("holding 1 pupil");
    expect(await status(f.id)).toBe("lost");
    // What is confirmed is the school shown, by its number, not the words typed.
    expect(step.page).not.toContain('value="hillcrest"');
    const _csrf = await as["northshire-la"]?.token();
    const done = await as["northshire-la"]?.post(`/received/${f.id}/pass-on`, {
      _csrf: _csrf ?? "",
      to: "8231235",
      confirm: "yes",
    });
    expect(done?.status).toBe(303);
    expect(await status(f.id)).toBe("available");
  });

  it("passes one pupil of an out-of-sector file on once confirmed, the rest staying", async () => {
    const f = await send("MMMMMMM", 6, 2);
    expect(await status(f.id)).toBe("outside");
    const page = await (await as["northshire-la"]?.request(`/received/${f.id}`))?.text();
    expect(page).toContain("Only pupil 2: ");
    const step = await twice("northshire-la", `/received/${f.id}/pass-on`, {
      to: "8231235",
      pupil: "2",
    });
    expect(step.page).toContain("Pass this pupil on?");
    expect(step.page).toContain(`will be sent a new file holding pupil 2 of ${f.name} alone`);
    expect(step.page).toContain("The other 1 pupil stay in the out of sector register");
    // A pupil that is no number is refused at its field, not taken for the whole file.
    const garbled = await twice("northshire-la", `/received/${f.id}/pass-on`, {
      to: "8231235",
      pupil: "two",
    });
    expect(garbled.status).toBe(400);
    expect(garbled.page).toContain("Choose all the pupils, or one of them");
    // With no school as well, both are said at once.
    const both = await twice("northshire-la", `/received/${f.id}/pass-on`, { to: "", pupil: "0" });
    expect(both.status).toBe(400);
    expect(both.page).toContain("Choose all the pupils, or one of them");
    expect(both.page).toContain("Enter the new school's name, town or number");
    const done = await step.confirm();
    expect(done.headers.get("location")).toBe(`/received/${f.id}?done=passed-one`);
    const after = await json(
      await t.api(await t.token("northshire-la"), `/api/v1/transfers/${f.id}`),
    );
    expect(after).toMatchObject({ status: "outside", pupilCount: 1 });
  });

  it("offers a choice when several schools match, and says when nothing does", async () => {
    const f = await send("XXXXXXX", 5, 1);
    const several = await twice("northshire-la", `/received/${f.id}/pass-on`, { to: "Northam" });
    expect(several.page).toContain("Which school has the pupil joined?");
    expect(several.page).toContain("Hillcrest Academy (8231235)");
    expect(several.page).toContain("Northshire High School (8234001)");
    const none = await twice("northshire-la", `/received/${f.id}/pass-on`, { to: "Nowhere Such" });
    expect(none.status).toBe(400);
    expect(none.page).toContain('No school in the directory matches "Nowhere Such"');
    expect(await status(f.id)).toBe("lost");
  });

  it("disables a user and revokes tokens only once confirmed", async () => {
    const target = await t.hub.ctx.db
      .selectFrom("users")
      .select("id")
      .where("username", "=", "brookfield")
      .executeTakeFirstOrThrow();
    const disable = await twice("admin", `/admin/users/${target.id}/disable`, { disabled: "true" });
    expect(disable.page).toContain("Disable brookfield?");
    expect(disable.page).toContain("brookfield, Brookfield Primary School (8231234)");
    const api = await t.token("brookfield");
    expect((await t.api(api, "/api/v1/me")).status).toBe(200);

    const token = await createToken(t.hub.ctx, null, "meadowlane", { label: "office agent" });
    const revoke = await twice("admin", `/admin/tokens/${token.id}/revoke`, { userId: "" });
    expect(revoke.page).toContain('The API token "office agent" of meadowlane');
    expect((await t.api(token.token, "/api/v1/me")).status).toBe(200);
    const own = await twice("meadowlane", `/account/tokens/${token.id}/revoke`);
    expect(own.page).toContain("Yes, revoke this token");
    expect((await own.confirm()).status).toBe(303);
    expect((await t.api(token.token, "/api/v1/me")).status).toBe(401);

    expect((await disable.confirm()).status).toBe(303);
    expect((await t.api(api, "/api/v1/me")).status).toBe(401);
  });
});
