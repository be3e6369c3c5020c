import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectedNcYear, isDate, parseDate } from "../../src/ctf/checker.js";
import { FINDING_CODES } from "../../src/ctf/findings.js";
import { parseCtf } from "../../src/ctf/read.js";
import { ctfXml, pupilXml } from "../helpers/ctf.js";
import { lineOf, TODAY } from "../helpers/fixtures.js";

const check = (xml: string, fileName?: string) =>
  parseCtf(xml, { now: TODAY, ...(fileName ? { fileName } : {}) });
const codes = async (xml: string, fileName?: string) =>
  (await check(xml, fileName)).findings.map((f) => f.code);

describe("errors that make a file unusable", () => {
  it("a pupil without surname, forename, date of birth or sex", async () => {
    const xml = ctfXml(pupilXml("<UPN>H801200001001</UPN>", false));
    const r = await check(xml);
    expect(r.valid).toBe(false);
    expect(r.findings.map((f) => f.code)).toEqual([
      "pupil.surname.missing",
      "pupil.forename.missing",
      "pupil.dob.missing",
      "pupil.sex.missing",
    ]);
    for (const f of r.findings)
      expect(f).toMatchObject({
        severity: "error",
        line: lineOf(xml, "<Pupil>"),
        pupil: { position: 1, upn: "H801200001001" },
      });
  });

  it("a date of birth that is not a date", async () => {
    for (const dob of ["2015-02-30", "02/10/2015", "2015-1-2"]) {
      const r = await check(ctfXml(pupilXml().replace("2015-10-02", dob)));
      expect(r.findings.map((f) => [f.code, f.severity])).toEqual([["pupil.dob.invalid", "error"]]);
      expect(r.findings[0]?.message).toContain(dob);
    }
  });

  it("no header, or one without sender or destination, or malformed ones", async () => {
    expect(await codes("<CTfile><CTFpupilData/></CTfile>")).toEqual(["ctf.header.missing"]);
    const noSource = ctfXml(pupilXml()).replace(/<SourceSchool>.*<\/SourceSchool>/, "");
    expect(await codes(noSource)).toEqual(["ctf.source.missing"]);
    const noDest = ctfXml(pupilXml()).replace(/<DestSchool>.*<\/DestSchool>/, "");
    expect(await codes(noDest)).toEqual(["ctf.dest.missing"]);
    expect(await codes(ctfXml(pupilXml(), { source: "82X1234" }))).toEqual(["ctf.source.invalid"]);
    expect(await codes(ctfXml(pupilXml(), { dest: "823567" }))).toEqual(["ctf.dest.invalid"]);
    expect(await codes(ctfXml(pupilXml(), { dest: "MMMMMMM" }))).toEqual([]);
    expect(await codes(ctfXml(pupilXml(), { source: "926LLLL", dest: "926LLLL" }))).toEqual([]);
  });

  it("a root that is not CTfile", async () => {
    const r = await check("<?xml version='1.0'?><Pupils><Pupil/></Pupils>");
    expect(r.findings).toEqual([
      expect.objectContaining({ code: "ctf.root", severity: "error", line: 1, column: 22 }),
    ]);
  });

  it("a file name that contradicts the header, but not one that agrees with it", async () => {
    const xml = ctfXml(pupilXml());
    expect(await codes(xml, "8231234_CTF_8235678_001.XML")).toEqual([]);
    expect(await codes(xml, "downloads/8231234_CTF_8235678_001 (1).xml")).toEqual([]);
    const r = await check(xml, "8231234_CTF_8239999_001.XML");
    expect(r.findings).toEqual([
      expect.objectContaining({
        code: "file.name.mismatch",
        severity: "error",
        message: expect.stringContaining("8239999"),
      }),
    ]);
    expect(await codes(xml, "9991234_CTF_8235678_001.XML")).toEqual(["file.name.mismatch"]);
    expect(await codes(xml, "pupils.xml")).toEqual(["file.name.format"]);
  });

  it("a lost-pupil file with other than exactly one pupil, in either spelling", async () => {
    expect(await codes(ctfXml(pupilXml(), { dest: "XXXXXXX" }))).toEqual([]);
    const two = ctfXml(pupilXml() + pupilXml().replace("H801200001001", "B801200005001"), {
      dest: "XXXXXXX",
    });
    const r = await check(two, "8231234_CTF_XXXXXXXX_001.XML");
    expect(r.findings).toEqual([
      expect.objectContaining({
        code: "ctf.lost.pupil-count",
        message: expect.stringContaining("holds 2"),
      }),
    ]);
    expect(await codes(ctfXml("", { dest: "XXXXXXX" }))).toEqual(["ctf.lost.pupil-count"]);
  });
});

describe("warnings that leave a file usable", () => {
  const warned = async (inner: string, base = true) => {
    const r = await check(ctfXml(pupilXml(inner, base)));
    expect(r.errorCount).toBe(0);
    return r.findings.map((f) => f.code);
  };

  it("UPN and former UPN failing the check letter; duplicate UPNs", async () => {
    expect(
      await warned("<BasicDetails><FormerUPN>Z801200001001</FormerUPN></BasicDetails>"),
    ).toEqual(["pupil.former-upn.invalid"]);
    const xml = ctfXml(pupilXml() + pupilXml());
    const r = await check(xml);
    expect(r.findings).toEqual([
      expect.objectContaining({
        code: "pupil.upn.duplicate",
        pupil: { position: 2, upn: "H801200001001", name: "Smith Ann" },
        message: expect.stringContaining("pupil 1"),
      }),
    ]);
    expect(
      await warned(
        "<Surname>A</Surname><Forename>B</Forename><DOB>2015-10-02</DOB><Sex>F</Sex>",
        false,
      ),
    ).toEqual(["pupil.upn.missing"]);
  });

  it("unknown codes", async () => {
    expect(
      await warned(
        "<BasicDetails><Ethnicity>ZZZZ</Ethnicity><EnrolStatus>Q</EnrolStatus><MedicalFlag>maybe</MedicalFlag></BasicDetails>",
      ),
    ).toEqual(["code.unknown", "code.unknown", "code.unknown"]);
    expect(
      await warned(
        "<BasicDetails><Ethnicity>WENG</Ethnicity><NCyearActual>X</NCyearActual></BasicDetails>",
      ),
    ).toEqual([]);
    const sexU = await check(ctfXml(pupilXml().replace("<Sex>F</Sex>", "<Sex>U</Sex>")));
    expect(sexU.findings.map((f) => f.code)).toEqual(["code.unknown"]);
  });

  it("knows the CBDS codes real files carry, and warns on codes no source has", async () => {
    const messages = async (inner: string) =>
      (await check(ctfXml(pupilXml(inner)))).findings.map((f) => f.message);
    // In CBDS or added since: none of these is a fault.
    expect(
      await messages(
        `<BasicDetails><NCyearActual>M</NCyearActual><Ethnicity>WNIR</Ethnicity><EthnicitySource>T</EthnicitySource><Languages>${["T", "S", "C", "U", "V", "W"].map((t) => `<Type><LanguageType>${t}</LanguageType><Language>PNJM</Language></Type>`).join("")}</Languages><Disabilities><Disability>AUT</Disability><Disability>HEAR</Disability></Disabilities><EnrolStatus>P</EnrolStatus></BasicDetails><SENhistory><SENneeds><SENneed><SENtype>DS</SENtype></SENneed></SENneeds></SENhistory><Phones><Phone><TelephoneType>A</TelephoneType><PhoneNo>1</PhoneNo></Phone><Phone><TelephoneType>D</TelephoneType><PhoneNo>2</PhoneNo></Phone></Phones><Contacts>${["HTC", "RLG", "TCH", "STP"].map((r) => `<Contact><Surname>Jones</Surname><Relationship>${r}</Relationship></Contact>`).join("")}</Contacts><SchoolHistory><School><LEA>823</LEA><Estab>1234</Estab><LeavingReason>ST</LeavingReason></School><School><LEA>823</LEA><Estab>1235</Estab><LeavingReason>PM</LeavingReason></School></SchoolHistory>`,
      ),
    ).toEqual([]);
    for (const [year, dob] of [
      ["E1", "2025-11-02"],
      ["E2", "2024-11-02"],
    ]) {
      // A child in an early years setting in 2026/27: E1 is aged 0 on 31 August, E2 aged 1.
      const pupil = pupilXml(
        `<BasicDetails><NCyearActual>${year}</NCyearActual></BasicDetails>`,
      ).replace("2015-10-02", dob as string);
      expect((await check(ctfXml(pupil))).findings.map((f) => f.message)).toEqual([]);
    }
    // Codes no source has: a grandmother and a head teacher as once guessed, a source of
    // ethnicity, the MTC as a stage (it is a component of KS2), a leaving reason.
    expect(
      await messages(
        `<BasicDetails><Ethnicity>WBRI</Ethnicity><EthnicitySource>X</EthnicitySource></BasicDetails><Contacts><Contact><Surname>Jones</Surname><Relationship>GRM</Relationship></Contact><Contact><Surname>Jones</Surname><Relationship>HTR</Relationship></Contact></Contacts><StageAssessments><KeyStage><Stage>MTC</Stage></KeyStage></StageAssessments><SchoolHistory><School><LEA>823</LEA><Estab>1234</Estab><LeavingReason>PX</LeavingReason></School></SchoolHistory>`,
      ),
    ).toEqual([
      expect.stringMatching(/^EthnicitySource "X" is not a known ethnicity source code/),
      'Relationship "GRM" is not a known relationship code',
      'Relationship "HTR" is not a known relationship code; nearest known: HTC',
      'LeavingReason "PX" is not a known leaving reason code; nearest known: PE, PF, PI',
      'Stage "MTC" does not belong here: the multiplication tables check is a Component of Stage KS2',
    ]);
  });

  it("a header's qualifiers: full or partial in any case, and a type of partial CTF", async () => {
    const header = (qualifiers: string) =>
      ctfXml(pupilXml()).replace("<DocumentQualifier>full</DocumentQualifier>", qualifiers);
    expect(
      await codes(
        header("<DocumentQualifier>PARTIAL</DocumentQualifier><DataQualifier>KS2</DataQualifier>"),
      ),
    ).toEqual([]);
    expect(
      await codes(
        header("<DocumentQualifier>some</DocumentQualifier><DataQualifier>K-2</DataQualifier>"),
      ),
    ).toEqual(["code.unknown", "code.unknown"]);
  });

  it("reads a date digit by digit as a Date object reads it (property test)", () => {
    // The reference: the calendar's own answer.
    const real = (v: string) => {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
      if (!m) return false;
      const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
      const date = new Date(Date.UTC(y, mo - 1, d));
      return (
        date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d
      );
    };
    const pad = (n: number, w: number) => String(n).padStart(w, "0");
    const dates = fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
      )
      .map(([y, m, d]) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`);
    fc.assert(
      fc.property(fc.oneof(dates, fc.string({ maxLength: 12 })), (v) => {
        expect(isDate(v)).toBe(real(v));
        expect(parseDate(v)?.getTime()).toBe(real(v) ? Date.parse(`${v}T00:00:00Z`) : undefined);
      }),
      { numRuns: 20_000, seed: 23 },
    );
    for (const [v, ok] of [
      ["2024-02-29", true],
      ["2023-02-29", false],
      ["1900-02-29", false],
      ["2000-02-29", true],
      ["2012-02-30", false],
      ["2026-04-31", false],
    ] as const)
      expect(isDate(v), v).toBe(ok);
  });

  it("impossible and future dates", async () => {
    expect(
      await warned(
        "<SchoolHistory><School><EntryDate>2020-13-01</EntryDate></School></SchoolHistory>",
      ),
    ).toEqual(["date.invalid"]);
    const future = await check(ctfXml(pupilXml().replace("2015-10-02", "2027-01-01")));
    expect(future.findings.map((f) => [f.code, f.severity])).toEqual([["date.future", "warning"]]);
  });

  it("a date of birth that does not fit the NC year", async () => {
    // Born 2015-10-02: Reception in 2020/21, so Year 6 in 2026/27.
    expect(await warned("<BasicDetails><NCyearActual>6</NCyearActual></BasicDetails>")).toEqual([]);
    const r = await check(
      ctfXml(pupilXml("<BasicDetails><NCyearActual>7</NCyearActual></BasicDetails>")),
    );
    expect(r.findings).toEqual([
      expect.objectContaining({
        code: "pupil.nc-year.mismatch",
        message: "a pupil born 2015-10-02 is in year 6 in 2026/27, but NCyearActual is 7",
      }),
    ]);
  });

  it("empty elements, names in capitals, stray spaces", async () => {
    expect(await warned("<Email></Email>")).toEqual(["value.empty"]);
    const caps = await check(ctfXml(pupilXml().replace("Smith", "SMITH")));
    expect(caps.findings.map((f) => f.code)).toEqual(["pupil.name.capitals"]);
    // Markup pasted into a name (escaped in the XML) is warned of, at its name.
    for (const name of ["&lt;b&gt;Smith&lt;/b&gt;", "Smith{{x}}", "Smith&amp;#60;"]) {
      const marked = await check(ctfXml(pupilXml().replace("Smith", name)));
      expect(
        marked.findings.map((f) => f.code),
        name,
      ).toEqual(["pupil.name.markup"]);
      expect(marked.findings[0]?.message).toContain("holds markup");
    }
    // Names with hyphens, apostrophes, accents and spaces are names.
    for (const name of ["O&apos;Brien-Smith", "Zoë de la Cruz", "Nguyễn"]) {
      const plain = await check(ctfXml(pupilXml().replace("Smith", name)));
      expect(
        plain.findings.map((f) => f.code),
        name,
      ).toEqual([]);
    }
    expect(
      await warned("<BasicDetails><PreferredForename> Ann</PreferredForename></BasicDetails>"),
    ).toEqual(["value.spaces"]);
    // Short names and initials in capitals are normal.
    expect(await codes(ctfXml(pupilXml().replace("Ann", "Jo").replace("Smith", "O")))).toEqual([]);
  });

  it("stray text between elements", async () => {
    expect(await warned("<Address>oops<PostCode>DT2 0NS</PostCode></Address>")).toEqual([
      "xml.stray-text",
    ]);
  });
});

describe("the catalogue", () => {
  it("keeps many repeats of one fault as a count, not a list that grows without end", async () => {
    const pupils = Array.from({ length: 250 }, () => pupilXml("<Email></Email>")).join("");
    const r = await parseCtf(ctfXml(pupils), { now: TODAY, findingsPerCode: 100 });
    expect(r.findings.filter((f) => f.code === "value.empty")).toHaveLength(100);
    expect(r.warningCount).toBe(250 + 249); // empty e-mails, and the repeated UPN
    expect(r.omitted).toContainEqual({ code: "value.empty", count: 150 });
  });

  it("gives every code a severity and a summary", () => {
    for (const [code, [severity, summary]] of Object.entries(FINDING_CODES)) {
      expect(code).toMatch(/^[a-z]+(\.[a-z-]+)+$/);
      expect(["error", "warning"]).toContain(severity);
      expect(summary.length).toBeGreaterThan(10);
    }
  });

  it("knows how dates and NC years work", () => {
    expect(parseDate("2024-02-29")).toBeInstanceOf(Date);
    expect(parseDate("2023-02-29")).toBeUndefined();
    expect(expectedNcYear(new Date("2008-11-13"), 2019)).toBe(6);
    expect(expectedNcYear(new Date("2009-08-31"), 2019)).toBe(6);
    expect(expectedNcYear(new Date("2009-09-01"), 2019)).toBe(5);
    expect(expectedNcYear(new Date("2021-10-01"), 2026)).toBe(0);
  });
});
