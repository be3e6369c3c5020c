import { describe, expect, it } from "vitest";
import { parseCtf } from "../../src/ctf/read.js";
import { ctfXml, pupilXml, syntheticXml } from "../helpers/ctf.js";
import { TODAY } from "../helpers/fixtures.js";
import { olderOfficeDocument, wordDocument } from "../helpers/office.js";

const only = async (input: Parameters<typeof parseCtf>[0], options = {}) => {
  const r = await parseCtf(input, { now: TODAY, ...options });
  expect(r.valid).toBe(false);
  expect(r.errorCount).toBe(1);
  return r.findings.find((f) => f.severity === "error");
};

describe("hostile and broken input: a clear error, never a crash or a hang", () => {
  it("refuses an external entity (XXE) without reading it", async () => {
    const xml = `<?xml version="1.0"?><!DOCTYPE CTfile [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><CTfile><Header><SupplierID>&xxe;</SupplierID></Header></CTfile>`;
    const r = await parseCtf(xml);
    expect(r.findings).toEqual([
      expect.objectContaining({ code: "xml.doctype", severity: "error", line: 1 }),
    ]);
    expect(JSON.stringify(r)).not.toContain("root:");
  });

  it("refuses entity expansion (billion laughs)", async () => {
    const lol = Array.from(
      { length: 9 },
      (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`,
    ).join("");
    const xml = `<?xml version="1.0"?><!DOCTYPE CTfile [<!ENTITY lol0 "lol">${lol}]><CTfile>&lol9;</CTfile>`;
    expect(await only(xml)).toMatchObject({ code: "xml.doctype" });
  });

  it("refuses any DOCTYPE, and does not know entities it was never told", async () => {
    expect(await only(`<!DOCTYPE CTfile><CTfile/>`)).toMatchObject({ code: "xml.doctype" });
    expect(
      await only(`<CTfile><Header><SupplierID>&xxe;</SupplierID></Header></CTfile>`),
    ).toMatchObject({
      code: "xml.malformed",
      message: expect.stringContaining("undefined entity"),
    });
  });

  it("stops 10,000-deep nesting at the depth limit", async () => {
    const xml = `<CTfile>${"<a>".repeat(10_000)}${"</a>".repeat(10_000)}</CTfile>`;
    const f = await only(xml);
    expect(f).toMatchObject({
      code: "xml.limit",
      line: 1,
      message: expect.stringContaining("nested more than 32"),
    });
  });

  it("stops a 1 GB stream at the size limit with memory flat", async () => {
    const pupil = Buffer.from(
      syntheticXml(200).split("<CTFpupilData>")[1]?.split("</CTFpupilData>")[0] ?? "",
    );
    const head = Buffer.from(syntheticXml(1).split("<CTFpupilData>")[0] ?? "");
    let sent = 0;
    let peak = 0;
    const base = process.memoryUsage().heapUsed;
    async function* gigabyte() {
      yield Buffer.concat([head, Buffer.from("<CTFpupilData>")]);
      while (sent < 1024 ** 3) {
        sent += pupil.length;
        peak = Math.max(peak, process.memoryUsage().heapUsed - base);
        yield pupil;
      }
    }
    const r = await parseCtf(gigabyte(), { now: TODAY });
    expect(r.findings.filter((f) => f.severity === "error")).toEqual([
      expect.objectContaining({
        code: "file.too-large",
        message: "the file is larger than 268435456 bytes",
      }),
    ]);
    expect(sent).toBeLessThan(300 * 1024 ** 2);
    expect(r.pupilCount).toBeGreaterThan(10_000);
    expect(peak).toBeLessThan(128 * 1024 ** 2);
  }, 120_000);

  it("stops a 1 GB value at the value limit, long before reading it all", async () => {
    let sent = 0;
    const mb = Buffer.alloc(1024 * 1024, "a");
    async function* huge() {
      yield Buffer.from("<CTfile><Header><SupplierID>");
      while (sent < 1024 ** 3) {
        sent += mb.length;
        yield mb;
      }
    }
    const f = await only(huge());
    expect(f).toMatchObject({
      code: "xml.limit",
      message: expect.stringContaining("longer than 1048576 characters"),
    });
    expect(sent).toBeLessThan(4 * 1024 * 1024);
  });

  it("says where bytes are not UTF-8 (a file saved as Windows-1252)", async () => {
    const xml = ctfXml(pupilXml().replace("Smith", "Zo\u00eb"));
    const bytes = Buffer.from(xml, "latin1");
    const line = xml.split("\n").findIndex((l) => l.includes("Zo\u00eb")) + 1;
    const f = await only(bytes);
    expect(f).toMatchObject({
      code: "file.encoding",
      line,
      message: expect.stringContaining("not UTF-8"),
    });
  });

  it("says a UTF-16 file is UTF-16", async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("<CTfile/>", "utf16le")]);
    expect(await only(bytes)).toMatchObject({
      code: "file.encoding",
      message: expect.stringContaining("UTF-16"),
    });
  });

  it("says where a truncated file ends", async () => {
    const xml = syntheticXml(3);
    const cut = xml.slice(0, Math.floor(xml.length * 0.6));
    const r = await parseCtf(cut, { now: TODAY });
    expect(r.findings.filter((f) => f.severity === "error")).toEqual([
      expect.objectContaining({
        code: "xml.truncated",
        message: expect.stringContaining("CTfile > CTFpupilData > Pupil"),
      }),
    ]);
    expect(r.pupilCount).toBeGreaterThanOrEqual(1);
  });

  it("knows binary files, archives and compressed files are not CTFs", async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    expect(await only(png)).toMatchObject({ code: "file.binary" });
    const zip = Buffer.from([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0]);
    expect(await only(zip)).toMatchObject({
      code: "file.binary",
      message: expect.stringContaining("ZIP"),
    });
    const gz = Buffer.from([0x1f, 0x8b, 8, 0]);
    expect(await only(gz)).toMatchObject({
      code: "file.binary",
      message: expect.stringContaining("gzip"),
    });
    // A Word document saved with a .xml name is called what it is.
    expect(await only(wordDocument("Pupil transfer notes"))).toMatchObject({
      code: "file.binary",
      message: expect.stringContaining("the file is a Word document (.docx), not a CTF"),
    });
    expect(await only(olderOfficeDocument())).toMatchObject({
      code: "file.binary",
      message: expect.stringContaining("an older Word or Excel document"),
    });
    expect(await only(Buffer.from("%PDF-1.7\n%\xe2\xe3\n1 0 obj"))).toMatchObject({
      code: "file.binary",
      message: expect.stringContaining("a PDF document"),
    });
    const random = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    expect((await only(random))?.code).toMatch(/^file\.(binary|encoding)$/);
  });

  it("knows an empty file, and text that is not XML", async () => {
    expect(await only(Buffer.alloc(0))).toMatchObject({ code: "file.empty" });
    expect(await only("   \n ")).toMatchObject({ code: "xml.not-xml" });
    expect(await only("UPN,Surname\nH801200001001,Smith\n")).toMatchObject({ code: "xml.not-xml" });
  });

  it("has a limit on the number of elements", async () => {
    const f = await only(syntheticXml(5), { maxElements: 100 });
    expect(f).toMatchObject({
      code: "xml.limit",
      message: expect.stringContaining("more than 100 elements"),
    });
  });
});
