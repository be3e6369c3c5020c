import { describe, expect, it } from "vitest";
import { formatCtfFileName, nextSequence, parseCtfFileName } from "../../src/ctf/filename.js";

describe("CTF file names", () => {
  it("parses sender, destination and sequence, whatever the extension's case", () => {
    for (const name of ["8231234_CTF_8235678_007.XML", "8231234_CTF_8235678_007.xml"]) {
      const r = parseCtfFileName(name);
      expect(r).toMatchObject({
        ok: true,
        name: { source: "8231234", destination: "8235678", destinationKind: "school", sequence: 7 },
      });
    }
  });

  it("knows the LA form and the special destinations, normalising eight letters to seven", () => {
    expect(parseCtfFileName("926LLLL_CTF_8235678_001.XML")).toMatchObject({
      ok: true,
      name: { source: "926LLLL" },
    });
    expect(parseCtfFileName("8231234_CTF_926LLLL_001.XML")).toMatchObject({
      name: { destinationKind: "la" },
    });
    expect(parseCtfFileName("8231234_CTF_XXXXXXX_001.XML")).toMatchObject({
      name: { destinationKind: "lost" },
    });
    expect(parseCtfFileName("8231234_CTF_XXXXXXXX_001.XML")).toMatchObject({
      name: { destination: "XXXXXXX", canonical: "8231234_CTF_XXXXXXX_001.XML" },
    });
    expect(parseCtfFileName("8231234_CTF_MMMMMMMM_002.xml")).toMatchObject({
      name: { destination: "MMMMMMM", destinationKind: "outside" },
    });
  });

  it("treats a browser's ' (1)' copy as the same file, and ignores folders", () => {
    const r = parseCtfFileName("C:\\Users\\office\\Downloads\\8231234_CTF_8235678_003 (1).XML");
    expect(r).toMatchObject({
      ok: true,
      name: { sequence: 3, canonical: "8231234_CTF_8235678_003.XML" },
    });
    expect(parseCtfFileName("/tmp/8231234_CTF_8235678_003(2).xml")).toMatchObject({ ok: true });
  });

  it("says what is wrong with a name that does not follow the pattern", () => {
    const bad = [
      "export.xml",
      "8231234_CTF_8235678_01.XML",
      "823123_CTF_8235678_001.XML",
      "8231234_CTF_ABCDEFG_001.XML",
      "8231234_CTF_8235678_000.XML",
      "8231234_CTF_8235678_001.txt",
    ];
    for (const name of bad) {
      const r = parseCtfFileName(name);
      expect(r.ok, name).toBe(false);
      if (!r.ok) expect(r.reason).toContain(name.split("/").pop());
    }
  });

  it("formats names and refuses nonsense", () => {
    expect(formatCtfFileName("8231234", "xxxxxxxx", 12)).toBe("8231234_CTF_XXXXXXX_012.XML");
    expect(() => formatCtfFileName("823", "8235678", 1)).toThrow(/LAESTAB/);
    expect(() => formatCtfFileName("8231234", "8235678", 1000)).toThrow(/sequence/);
  });

  it("gives the next sequence for a sender and destination, wrapping after 999", () => {
    const used = [
      "8231234_CTF_8235678_001.XML",
      "8231234_CTF_8235678_004.xml",
      "8231234_CTF_9990000_010.XML",
      "notes.txt",
    ];
    expect(nextSequence("8231234", "8235678", used)).toBe(5);
    expect(nextSequence("8231234", "9990000", used)).toBe(11);
    expect(nextSequence("8231234", "1111111", used)).toBe(1);
    expect(nextSequence("8231234", "8235678", ["8231234_CTF_8235678_999.XML"])).toBe(1);
  });
});
