import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { parseCtf, readCtf } from "../../src/ctf/read.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { ctfXml, documentOf, pupilXml, syntheticXml } from "../helpers/ctf.js";
import { lineOf, TODAY } from "../helpers/fixtures.js";
import { elementSequence } from "../helpers/leaves.js";

const read = (xml: string) => readCtf(xml, { now: TODAY });

describe("reading what real files do", () => {
  it("accepts children in any order and writes them back as read; a model made afresh in the standard order", async () => {
    const xml = ctfXml(
      `<Pupil><Sex>M</Sex><DOB>2015-10-02</DOB><Forename>Tom</Forename><Surname>Jones</Surname><UPN>H801200001001</UPN>
       <SENhistory><SENneeds><SENneed><SENtypeRank>1</SENtypeRank><SENtype>ASD</SENtype><NeedStartDate>2020-01-01</NeedStartDate></SENneed></SENneeds></SENhistory>
       <Address><Northing>108015.0</Northing><Easting>357833.0</Easting><PostCode>DT2 0NS</PostCode></Address></Pupil>`,
    );
    const r = await read(xml);
    const p = r.document?.pupils[0];
    expect(p).toMatchObject({
      upn: "H801200001001",
      surname: "Jones",
      forename: "Tom",
      dob: "2015-10-02",
      sex: "M",
    });
    expect(p?.senHistory?.needs?.[0]).toMatchObject({
      startDate: "2020-01-01",
      type: "ASD",
      rank: "1",
    });
    expect(p?.address).toMatchObject({ easting: "357833.0", northing: "108015.0" });
    expect(r.errorCount).toBe(0);
    const doc = documentOf(r);
    const asRead = writeCtf(doc);
    expect(elementSequence(asRead)).toEqual(elementSequence(xml));
    // The same values with no record of how they came: the standard order.
    const fresh = writeCtf(
      JSON.parse(JSON.stringify(doc), (k, v) => (k === "readOrder" ? undefined : v)),
    );
    expect(fresh.indexOf("<UPN>")).toBeLessThan(fresh.indexOf("<Surname>"));
    expect(fresh.indexOf("<SENtypeRank>")).toBeLessThan(fresh.indexOf("<SENtype>"));
    expect(fresh.indexOf("<Easting>")).toBeLessThan(fresh.indexOf("<Northing>"));
  });

  it("accepts Gender and Sex, Zip and ZIP", async () => {
    const gender = await read(
      ctfXml(
        pupilXml("", false).replace(
          "<Pupil>",
          "<Pupil><UPN>H801200001001</UPN><Surname>A</Surname><Forename>B</Forename><DOB>2015-10-02</DOB><Gender>F</Gender>",
        ),
      ),
    );
    expect(gender.document?.pupils[0]?.sex).toBe("F");
    const zip = await read(ctfXml(pupilXml("<Address><ZIP>GY4 6RN</ZIP></Address>")));
    expect(zip.document?.pupils[0]?.address?.zip).toBe("GY4 6RN");
    const zip2 = await read(ctfXml(pupilXml("<Address><Zip>GY4 6RN</Zip></Address>")));
    expect(zip2.document?.pupils[0]?.address?.zip).toBe("GY4 6RN");
  });

  it("trims values, keeping elements glued on one line apart", async () => {
    const r = await read(
      ctfXml(
        pupilXml(
          "<BasicDetails><ServiceChild>N</ServiceChild><MedicalFlag>true</MedicalFlag><MiddleNames>  Jo  </MiddleNames></BasicDetails>",
        ),
      ),
    );
    expect(r.document?.pupils[0]?.basicDetails).toMatchObject({
      serviceChild: "N",
      medicalFlag: "true",
      middleNames: "Jo",
    });
    expect(r.findings).toContainEqual(
      expect.objectContaining({
        code: "value.spaces",
        pupil: { position: 1, upn: "H801200001001", name: "Smith Ann" },
      }),
    );
  });

  it("keeps elements it does not know, in order, and writes them back", async () => {
    const xml = ctfXml(
      pupilXml(
        '<Wibble a="1">x<Inner>y</Inner></Wibble><BasicDetails><SuppInfo><SuppID>X</SuppID><Deep><Er>1</Er></Deep></SuppInfo></BasicDetails><Wobble/>',
      ),
    );
    const r = await read(xml);
    const p = r.document?.pupils[0];
    expect(p?.extra).toEqual([
      {
        name: "Wibble",
        attributes: { a: "1" },
        text: "x",
        children: [{ name: "Inner", text: "y" }],
      },
      { name: "Wobble" },
    ]);
    expect(p?.basicDetails?.suppInfo).toEqual({
      name: "SuppInfo",
      children: [
        { name: "SuppID", text: "X" },
        { name: "Deep", children: [{ name: "Er", text: "1" }] },
      ],
    });
    expect(r.findings.filter((f) => f.code === "element.unknown")).toHaveLength(2);
    const again = await read(writeCtf(documentOf(r)));
    expect(again.document).toEqual(r.document);
  });

  it("keeps a second copy of an element rather than losing it, and says so", async () => {
    const r = await read(ctfXml(pupilXml("<Surname>Other</Surname>")));
    expect(r.document?.pupils[0]?.surname).toBe("Smith");
    expect(r.document?.pupils[0]?.extra).toEqual([{ name: "Surname", text: "Other" }]);
    expect(r.findings).toContainEqual(expect.objectContaining({ code: "element.duplicate" }));
  });

  it("keeps an element nested inside a plain value", async () => {
    const r = await read(ctfXml(pupilXml("<Email>a<b>c</b></Email>")));
    expect(r.document?.pupils[0]?.email).toBeUndefined();
    expect(r.document?.pupils[0]?.extra).toEqual([
      { name: "Email", text: "a", children: [{ name: "b", text: "c" }] },
    ]);
  });

  it("accepts versions 11.0 onwards, warns on one it does not know, refuses older", async () => {
    expect((await read(ctfXml(pupilXml(), { version: "11.0" }))).findings).toEqual([]);
    expect((await read(ctfXml(pupilXml(), { version: "26.0" }))).findings).toEqual([]);
    expect((await read(ctfXml(pupilXml(), { version: "31.0" }))).findings).toEqual([
      expect.objectContaining({ code: "ctf.version.unknown", severity: "warning", line: 5 }),
    ]);
    expect((await read(ctfXml(pupilXml(), { version: "10.0" }))).findings).toEqual([
      expect.objectContaining({ code: "ctf.version.unsupported", severity: "error", line: 5 }),
    ]);
  });

  it("reads partial files, and entities and CDATA as text", async () => {
    const xml = ctfXml(
      pupilXml(
        "<BasicDetails><PreferredSurname>O&apos;Neil &amp; Co</PreferredSurname><MiddleNames><![CDATA[A<B]]></MiddleNames></BasicDetails>",
      ),
    ).replace(">full<", ">partial<");
    const r = await read(xml);
    expect(r.header?.documentQualifier).toBe("partial");
    expect(r.document?.pupils[0]?.basicDetails).toMatchObject({
      preferredSurname: "O'Neil & Co",
      middleNames: "A<B",
    });
    expect(writeCtf(documentOf(r))).toContain("A&lt;B");
  });

  it("hands pupils out one at a time from a stream, waiting for each to be dealt with", async () => {
    const xml = syntheticXml(40);
    const bytes = Buffer.from(xml);
    // Drip the file in small pieces, as a network upload would.
    const chunks = Array.from({ length: Math.ceil(bytes.length / 777) }, (_, i) =>
      bytes.subarray(i * 777, (i + 1) * 777),
    );
    const seen: string[] = [];
    let busy = false;
    const r = await parseCtf(Readable.from(chunks), {
      now: TODAY,
      async onPupil(p) {
        expect(busy).toBe(false);
        busy = true;
        await new Promise((resolve) => setTimeout(resolve, 1));
        seen.push(p.upn ?? "");
        busy = false;
      },
    });
    expect(r).toMatchObject({ pupilCount: 40, errorCount: 0, warningCount: 0 });
    expect(seen).toHaveLength(40);
    expect(new Set(seen).size).toBe(40);
  });

  it("splits a multi-byte character across chunks without complaint", async () => {
    const xml = Buffer.from(
      ctfXml(pupilXml("<BasicDetails><MiddleNames>Zoë Siân</MiddleNames></BasicDetails>")),
    );
    const at = xml.indexOf("ë") + 1;
    const r = await parseCtf([xml.subarray(0, at), xml.subarray(at)], {
      now: TODAY,
      onPupil(p) {
        expect(p.basicDetails?.middleNames).toBe("Zoë Siân");
        return undefined;
      },
    });
    expect(r.errorCount).toBe(0);
  });

  it("gives lines and columns of where each element starts", async () => {
    const xml = ctfXml(
      `<Pupil>\n  <UPN>Z801200001001</UPN><Surname>A</Surname><Forename>B</Forename><DOB>2015-10-02</DOB><Sex>F</Sex></Pupil>`,
    );
    const r = await read(xml);
    expect(r.findings).toEqual([
      expect.objectContaining({
        code: "pupil.upn.invalid",
        line: lineOf(xml, "<UPN>"),
        column: 3,
        pupil: { position: 1, upn: "Z801200001001", name: "A B" },
      }),
    ]);
  });
});
