/**
 * Who a file's pupil may be in the register: a UPN is certain; names, date of birth and sex are
 * only a resemblance, scored with its reasons, tolerant of how names are typed.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Pupil } from "../../src/ctf/model.js";
import { normaliseName, type RegisterEntry, RegisterIndex } from "../../src/school/matching.js";
import { mergePupil } from "../../src/school/merge.js";

const entry = (id: string, e: Partial<RegisterEntry>): RegisterEntry => ({
  id,
  upn: null,
  formerUpn: null,
  surname: "",
  forename: "",
  preferredSurname: null,
  preferredForename: null,
  formerSurname: null,
  dob: null,
  sex: null,
  ...e,
});

const register = new RegisterIndex([
  entry("zoe", { surname: "O'Brien-Smith", forename: "Zoë", dob: "2016-03-04", sex: "F" }),
  entry("upn", {
    upn: "N823123401001",
    surname: "Khan",
    forename: "Amir",
    dob: "2015-01-02",
    sex: "M",
  }),
  entry("former", {
    upn: "C823123401002",
    formerUpn: "R823123401003",
    surname: "Lee",
    forename: "Mia",
  }),
  entry("pref", {
    surname: "Novak",
    forename: "Katarzyna",
    preferredForename: "Kasia",
    dob: "2017-05-06",
  }),
  entry("other", { surname: "Novak", forename: "Tomas", dob: "2012-09-10", sex: "M" }),
]);

const match = (p: Pupil) => register.match(p);

describe("matching a file's pupils to the register", () => {
  it("treats case, accents, hyphens, apostrophes and spaces as the same name", () => {
    expect(normaliseName("O'Brien-Smith")).toBe(normaliseName("obrien smith"));
    expect(normaliseName("Zoë")).toBe("zoe");
    // Plain ASCII names take a shorter way, to the same answer the Unicode way gives.
    const unicodeWay = (n: string) =>
      n
        .normalize("NFKD")
        .replace(/\p{M}/gu, "")
        .toLowerCase()
        .replace(/[^\p{L}\p{N}]/gu, "");
    fc.assert(
      fc.property(fc.string({ unit: "binary-ascii" }), (n) => {
        expect(normaliseName(n)).toBe(unicodeWay(n));
      }),
      { numRuns: 2000 },
    );
    const [best] = match({ surname: "OBRIEN SMITH", forename: "Zoe", dob: "2016-03-04", sex: "F" });
    expect(best).toMatchObject({ pupil: "zoe", certain: false, score: 99 });
    expect(best?.why).toEqual(["same surname", "same forename", "same date of birth", "same sex"]);
  });

  it("finds swapped names, a preferred forename, and a day and month typed the wrong way", () => {
    const [swapped] = match({ surname: "Zoe", forename: "O'Brien-Smith", dob: "2016-03-04" });
    expect(swapped).toMatchObject({ pupil: "zoe" });
    expect(swapped?.why).toContain("surname and forename swapped");
    const [kasia] = match({ surname: "Novak", forename: "Kasia", dob: "2017-06-05" });
    expect(kasia).toMatchObject({ pupil: "pref" });
    expect(kasia?.why).toEqual([
      "same surname",
      "forename matches a preferred forename",
      "date of birth with day and month swapped",
    ]);
  });

  it("never takes a UPN that fails its check as an identity, on either side", () => {
    const index = new RegisterIndex([
      entry("x", { upn: "X", surname: "Ames", forename: "Ben", dob: "2015-01-02" }),
      entry("a", { upn: "A123456789", surname: "Cole", forename: "Dee", dob: "2016-02-03" }),
      entry("typo", { upn: "Z801200001001", surname: "Eyre", forename: "Fay", dob: "2014-03-04" }),
      entry("old", { formerUpn: "X", surname: "Gill", forename: "Hal", dob: "2013-04-05" }),
    ]);
    // Other children who carry the same malformed values: nobody is certain, nobody resembles.
    for (const upn of ["X", "A123456789", "Z801200001001"])
      expect(index.match({ upn, surname: "Ince", forename: "Jo", dob: "2012-05-06" })).toEqual([]);
    expect(
      index.match({ basicDetails: { formerUpn: "X" }, surname: "Ince", forename: "Jo" }),
    ).toEqual([]);
    // The same child still matches, by names and date of birth, for a person to confirm.
    const same = index.match({ upn: "X", surname: "Ames", forename: "Ben", dob: "2015-01-02" });
    expect(same).toMatchObject([{ pupil: "x", certain: false }]);
  });

  it("is certain on a UPN or a former UPN, and says what disagrees", () => {
    expect(match({ upn: "N823123401001", surname: "Khan", forename: "Amir" })[0]).toMatchObject({
      pupil: "upn",
      certain: true,
      score: 100,
    });
    expect(match({ upn: "R823123401003", surname: "Lee", forename: "Mia" })[0]?.why[0]).toBe(
      "the file's UPN is this pupil's former UPN",
    );
    const wrong = match({
      upn: "N823123401001",
      surname: "Jones",
      forename: "Amir",
      dob: "2015-01-02",
    });
    expect(wrong[0]?.why).toEqual(["same UPN", "surname differs"]);
  });

  it("does not offer a pupil who shares only a surname", () => {
    expect(match({ surname: "Novak", forename: "Ewa", dob: "2019-01-01", sex: "F" })).toEqual([]);
  });
});

describe("merging a file's pupil into a register pupil", () => {
  const keyed: Pupil = {
    surname: "Khan",
    forename: "Amir",
    basicDetails: { preferredForename: "Am" },
    contacts: [
      {
        forename: "Sara",
        surname: "Khan",
        relationship: "PAM",
        phones: [{ number: "01632 960001" }],
      },
    ],
    attendance: [{ year: "2025", lea: "823", estab: "1234", sessionsPossible: "300" }],
  };
  const file: Pupil = {
    surname: "Khan",
    forename: "Amir",
    basicDetails: { preferredForename: "Ami", ethnicity: "APKN" },
    contacts: [
      {
        forename: "sara",
        surname: "KHAN",
        responsibility: "true",
        phones: [{ number: "01632960001" }, { number: "07700 900123" }],
      },
      { forename: "John", surname: "Smith", relationship: "OTH" },
    ],
    attendance: [
      { year: "2025", lea: "823", estab: "1234", sessionsPossible: "310" },
      { year: "2024", lea: "823", estab: "1234", sessionsPossible: "290" },
    ],
  };

  it("keeps what the school keyed, fills blanks, and adds the history it lacks", () => {
    const { record, rows } = mergePupil(keyed, file, new Set());
    expect(record.basicDetails).toEqual({ preferredForename: "Am", ethnicity: "APKN" });
    expect(record.attendance?.map((a) => [a.year, a.sessionsPossible])).toEqual([
      ["2025", "300"],
      ["2024", "290"],
    ]);
    // The same contact, written differently, is one contact: blanks filled, new phone added.
    expect(record.contacts).toEqual([
      {
        forename: "Sara",
        surname: "Khan",
        relationship: "PAM",
        responsibility: "true",
        phones: [{ number: "01632 960001" }, { number: "07700 900123" }],
      },
      { forename: "John", surname: "Smith", relationship: "OTH" },
    ]);
    expect(rows.find((r) => r.field === "preferredForename")).toMatchObject({
      register: "Am",
      file: "Ami",
      result: "register",
    });
  });

  it("takes the file's values for a field or a whole area when asked", () => {
    const { record } = mergePupil(keyed, file, new Set(["preferredForename", "attendance"]));
    expect(record.basicDetails?.preferredForename).toBe("Ami");
    expect(record.attendance).toEqual(file.attendance);
    expect(record.contacts).toHaveLength(2);
  });
});
