/**
 * The LA's search of the registers finds a child as people mistype them. 10,000 synthetic lost
 * pupils, and searches made from them: one letter wrong with the date exact or its day and month
 * swapped (at least 99% found in the first five), a date a few days out (at least 95%), a
 * former surname, forename and surname swapped, no forename; and a search for a child who is
 * not there is never answered "certain". The score's sound-alike code is PostgreSQL's own.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scoreCandidate, soundex, swappedDate } from "../../src/hub/register-match.js";
import { DATABASES } from "../helpers/db.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import {
  loadRegister,
  measureQuality,
  type RegisterPupil,
  searchesFor,
  syntheticRegister,
} from "../helpers/lost-register.js";

describe("scoring a register entry against a description", () => {
  const entry = {
    upn: "A823201501001",
    formerUpn: null,
    surname: "Whitfield",
    forename: "Amelia",
    formerSurname: "Okafor",
    preferredSurname: null,
    preferredForename: null,
    dob: "2014-03-07",
    sex: "F",
  };
  it("is certain only with the UPN and the date of birth", () => {
    const asked = { surname: "whitfield", forename: "amelia", dob: "2014-03-07" };
    expect(scoreCandidate({ ...asked, upn: "A823201501001" }, entry).certainty).toBe("certain");
    expect(scoreCandidate(asked, entry).certainty).toBe("probable");
    expect(
      scoreCandidate({ ...asked, upn: "A823201501001", dob: "2014-03-08" }, entry).certainty,
    ).toBe("probable");
  });
  it("says why: a letter out, a former surname, swapped names and dates", () => {
    expect(
      scoreCandidate({ surname: "whitfeld", forename: "amelia", dob: "2014-07-03" }, entry).reasons,
    ).toEqual([
      'surname "Whitfield", like "whitfeld"',
      'forename "Amelia"',
      "date of birth with day and month swapped",
    ]);
    expect(
      scoreCandidate({ surname: "okafor", forename: "amelia", dob: "2014-03-09" }, entry).reasons,
    ).toEqual(['former surname "Okafor"', 'forename "Amelia"', "born 2 days from the date given"]);
    expect(
      scoreCandidate({ surname: "amelia", forename: "whitfield", dob: "2014-03-07" }, entry)
        .reasons,
    ).toEqual(["forename and surname swapped", "date of birth"]);
    expect(swappedDate("2014-03-13")).toBeUndefined();
    expect(swappedDate("2014-03-03")).toBeUndefined();
  });
});

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`searching 10,000 lost pupils on ${target.name}`, () => {
    let t: TestHub;
    let pupils: RegisterPupil[];

    beforeAll(async () => {
      t = await startTestHub(target.name, { store: { kind: "folder" } });
      const sender = await t.hub.ctx.db
        .selectFrom("users")
        .select(["id", "establishment"])
        .where("username", "=", "brookfield")
        .executeTakeFirstOrThrow();
      pupils = syntheticRegister(10_000);
      await loadRegister(t.hub.ctx.db, pupils, {
        userId: sender.id,
        laestab: sender.establishment ?? "",
      });
    }, 120_000);

    afterAll(async () => {
      await t?.stop();
    });

    it("finds the child in the first five however they were mistyped", async () => {
      const quality = await measureQuality(
        t.hub.ctx.db,
        searchesFor(pupils, 100),
        syntheticRegister(100, 7, 10_000),
      );
      expect(quality.recall.typo).toBeGreaterThanOrEqual(0.99);
      expect(quality.recall.near_date).toBeGreaterThanOrEqual(0.95);
      expect(quality.recall.former_surname).toBeGreaterThanOrEqual(0.95);
      expect(quality.recall.swapped_names).toBeGreaterThanOrEqual(0.95);
      expect(quality.recall.missing_forename).toBeGreaterThanOrEqual(0.95);
      expect(quality.falseCertain).toBe(0);
    }, 120_000);

    it("codes names by sound exactly as the database's index does", async () => {
      const names = [...new Set(pupils.slice(0, 300).map((p) => p.surname))];
      names.push("O'Brien", "Ashcraft", "Tymczak", "Pfister", "  lee", "Smith-Jones");
      const rows = await sql<{ n: string; s: string }>`select n, soundex(n) as s
        from unnest(${names}::text[]) as n`.execute(t.hub.ctx.db);
      expect(rows.rows.map((r) => r.s)).toEqual(rows.rows.map((r) => soundex(r.n)));
    });
  });
}
