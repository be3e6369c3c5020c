/**
 * Files in the shapes producers other than SIMS write them, made here to show the same
 * structure: each is read, checked as its producer meant it, and written back unchanged.
 */
import { describe, expect, it } from "vitest";
import { readCtf } from "../../src/ctf/read.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { documentOf } from "../helpers/ctf.js";
import { TODAY } from "../helpers/fixtures.js";
import { elementSequence } from "../helpers/leaves.js";

const read = (xml: string) => readCtf(xml, { now: TODAY });

/** Read, then written at its own version: every element, order, name and value as it came. */
async function roundTrip(xml: string) {
  const r = await read(xml);
  const doc = documentOf(r);
  const written = writeCtf(doc, { version: doc.header.version });
  expect(elementSequence(written)).toEqual(elementSequence(xml));
  return r;
}

function file(
  pupils: string,
  o: { version?: string; source?: [string, string]; dest?: [string, string]; root?: string } = {},
) {
  const [sl, se] = o.source ?? ["823", "1234"];
  const [dl, de] = o.dest ?? ["938", "2001"];
  return `<?xml version="1.0" encoding="UTF-8"?>
<${o.root ?? "CTfile"}>
<Header>
<DocumentName>Common Transfer File</DocumentName>
<CTFversion>${o.version ?? "25.0"}</CTFversion>
<DateTime>2026-10-01T09:00:00</DateTime>
<DocumentQualifier>partial</DocumentQualifier>
<SupplierID>TEST</SupplierID>
<SourceSchool><LEA>${sl}</LEA><Estab>${se}</Estab><SchoolName>Test</SchoolName><AcademicYear>2026</AcademicYear></SourceSchool>
<DestSchool><LEA>${dl}</LEA><Estab>${de}</Estab></DestSchool>
</Header>
<CTFpupilData>
${pupils}
</CTFpupilData>
</CTfile>
`;
}

const core = (surname = "Smith", forename = "Ann", sexTag = "Sex") =>
  `<UPN>H801200001001</UPN><Surname>${surname}</Surname><Forename>${forename}</Forename><DOB>2015-10-02</DOB><${sexTag}>F</${sexTag}>`;

describe("files as other producers write them", () => {
  it("keeps an MIS's own order and names: ZIP, Northing first, rank before type, EndDate last, a namespace, unknown elements where they were", async () => {
    const xml = file(
      `<Pupil>${core()}
<BasicDetails><NCyearActual>6</NCyearActual><Ethnicity>WBRI</Ethnicity><SuppInfo><SuppID>ARB</SuppID><Tutor>7B</Tutor></SuppInfo><EnrolStatus>C</EnrolStatus></BasicDetails>
<SENhistory><SEN><StartDate>2020-09-01</StartDate><SENprovision>K</SENprovision><EndDate>2021-07-20</EndDate></SEN><SENneeds><SENneed><NeedStartDate>2020-09-01</NeedStartDate><SENtype>ASD</SENtype><SENtypeRank>1</SENtypeRank></SENneed></SENneeds></SENhistory>
<Address><BS7666Address><SAON>          Flat 2</SAON><PAON>  11      </PAON><Street>High Street</Street><Town>Leeds</Town></BS7666Address><PostCode>LS6 2AB</PostCode><ZIP>GY4 6RN</ZIP><Country>Channel Islands</Country><Northing>108015.0</Northing><Easting>357833.0</Easting></Address>
<Contacts><Contact><Order>1</Order><Surname>Smith</Surname><Forename>Jo</Forename><Sex>F</Sex><Relationship>PAM</Relationship><NewThing>kept here</NewThing><Email>jo@example.org</Email></Contact></Contacts>
</Pupil>`,
    ).replace("<CTfile>", '<CTfile xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">');
    const r = await roundTrip(xml);
    expect(r.errorCount).toBe(0);
    const p = r.document?.pupils[0];
    expect(p?.address?.bs7666).toMatchObject({ saon: "          Flat 2", paon: "  11      " });
    expect(r.document?.attributes).toEqual({
      "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
    });
  });

  it("writes an older file's <Gender> back as <Gender> when an unknown element follows it", async () => {
    const xml = file(
      `<Pupil>${core("Smith", "Ann", "Gender")}<Twin>true</Twin><BasicDetails><Ethnicity>WBRI</Ethnicity></BasicDetails><Contacts><Contact><Surname>Smith</Surname><Gender>F</Gender><Pet>cat</Pet><Relationship>PAM</Relationship></Contact></Contacts></Pupil>`,
      { version: "19.0" },
    );
    const written = writeCtf(documentOf(await read(xml)), { version: "19.0" });
    expect(written).not.toContain("<Sex>");
    expect(elementSequence(written)).toEqual(elementSequence(xml));
  });

  it("reads AttendSessions as a container and checks its start date", async () => {
    const xml = file(
      `<Pupil>${core()}<Attendance><YearData><Year>2025</Year><SessionsPossible>20</SessionsPossible><AttendSessions><AttendanceStartDate>2025-09-31</AttendanceStartDate><AttendanceMarks>/\\/\\ I/\\/LMM/\\</AttendanceMarks></AttendSessions></YearData></Attendance></Pupil>`,
    );
    const r = await roundTrip(xml);
    expect(r.findings.map((f) => f.code)).not.toContain("element.unknown");
    expect(r.document?.pupils[0]?.attendance?.[0]?.attendSessions).toEqual({
      startDate: "2025-09-31",
      marks: "/\\/\\ I/\\/LMM/\\",
    });
    expect(r.findings).toContainEqual(
      expect.objectContaining({
        code: "date.invalid",
        message: expect.stringContaining('AttendanceStartDate "2025-09-31"'),
      }),
    );
  });

  it("takes a partial CTF from Get Information About Pupils (sender and destination XXX/XXXX) as valid", async () => {
    const pupils = [1, 2, 3]
      .map(
        (n) =>
          `<Pupil><UPN>H80120000100${n}</UPN><Surname>PUPIL${n}</Surname><Forename>ANN</Forename><DOB>2015-10-02</DOB><Sex>F</Sex><StageAssessments><KeyStage><Stage>KS1</Stage></KeyStage></StageAssessments></Pupil>`,
      )
      .join("\n");
    const xml = file(pupils, { source: ["XXX", "XXXX"], dest: ["XXX", "XXXX"] });
    const r = await roundTrip(xml);
    const codes = r.findings.map((f) => f.code);
    expect(codes).not.toContain("ctf.source.invalid");
    expect(codes).not.toContain("ctf.lost.pupil-count");
    expect(r.valid).toBe(true);
    expect(r.pupilCount).toBe(3);
  });

  it("takes the Multiplication Tables Check's file: names in capitals, <Sex> in an older version, and writes <Sex> back", async () => {
    const xml = file(`<Pupil>${core("SMITH", "ANN", "Sex")}</Pupil>`, {
      version: "23.0",
      source: ["XXX", "XXXX"],
    });
    const r = await roundTrip(xml);
    expect(r.valid).toBe(true);
    expect(r.document?.pupils[0]?.sex).toBe("F");
    // Moved to 25.0 it is <Sex> anyway; moved back to 19.0, <Gender>.
    const older = writeCtf(documentOf(r), { version: "19.0" });
    expect(older).toContain("<Gender>F</Gender>");
  });

  it("names the item, the value and the nearest known codes for a code it does not know", async () => {
    const r = await read(
      file(
        `<Pupil>${core()}<BasicDetails><Ethnicity>WBRT</Ethnicity><Languages><Type><LanguageType>F</LanguageType><Language>E1G</Language></Type></Languages><EnrolStatus>X</EnrolStatus></BasicDetails><SENhistory><SEN><StartDate>2020-09-01</StartDate><SENprovision>A</SENprovision></SEN><SENneeds><SENneed><NeedStartDate>2020-09-01</NeedStartDate><SENtype>ADS</SENtype></SENneed></SENneeds></SENhistory><Contacts><Contact><Surname>S</Surname><Relationship>PAM</Relationship><Phones><Phone><TelephoneType>H</TelephoneType><PhoneNo>1</PhoneNo></Phone></Phones></Contact></Contacts></Pupil>`,
      ),
    );
    const unknown = r.findings.filter((f) => f.code === "code.unknown").map((f) => f.message);
    expect(unknown).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^Ethnicity "WBRT" is not a known ethnicity code; nearest known: .*WBRI/,
        ),
        expect.stringMatching(/^Language "E1G" is not a known language code; nearest known: .*ENG/),
        expect.stringMatching(
          /^EnrolStatus "X" is not a known enrolment status code; nearest known: C, F, G$/,
        ),
        expect.stringMatching(
          /^SENprovision "A" is no longer used \(School Action or Early Years Action, retired in CTF 16; write K instead\)/,
        ),
        expect.stringMatching(/^SENtype "ADS" is not a known SEN type code; nearest known: .*ASD/),
      ]),
    );
    // Known codes say nothing.
    expect(unknown.join()).not.toMatch(/PAM|TelephoneType/);
    // The same retired code in a file from before its retirement is fine.
    const old = await read(
      file(
        `<Pupil>${core("Smith", "Ann", "Gender")}<SENhistory><SEN><StartDate>2012-09-01</StartDate><SENprovision>A</SENprovision></SEN></SENhistory></Pupil>`,
        { version: "14.0" },
      ),
    );
    expect(old.findings.filter((f) => f.code === "code.unknown")).toEqual([]);
  });

  it("checks URN, ULN, UCI, postcode and BS7666 formats", async () => {
    const r = await read(
      file(
        `<Pupil><UPN>H801200001001</UPN><UniqueLearnerNumber>12345</UniqueLearnerNumber><UCI>short</UCI><Surname>Smith</Surname><Forename>Ann</Forename><DOB>2015-10-02</DOB><Sex>F</Sex><Address><BS7666Address><PAON>11</PAON></BS7666Address><PostCode>CV79 58I</PostCode></Address><SchoolHistory><School><LEA>823</LEA><Estab>1234</Estab><URN>12AB</URN></School></SchoolHistory></Pupil>`,
      ),
    );
    const messages = r.findings.map((f) => `${f.code}: ${f.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'format.invalid: UniqueLearnerNumber "12345" is not 10 digits',
        'format.invalid: UCI "short" is not 13 letters and digits',
        'format.invalid: PostCode "CV79 58I" is not a UK postcode',
        'format.invalid: URN "12AB" is not 6 digits',
        expect.stringMatching(/^address.pattern: PAON "11" does not follow the BS7666 pattern/),
      ]),
    );
    expect(r.valid).toBe(true);
  });
});
