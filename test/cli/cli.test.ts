import { execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/program.js";
import { ctfXml, pupilXml } from "../helpers/ctf.js";
import { simsFixtures } from "../helpers/fixtures.js";
import { elementSequence } from "../helpers/leaves.js";

async function s2s(...argv: string[]) {
  let out = "";
  let err = "";
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

const tmp = () => mkdtemp(join(tmpdir(), "s2s-cli-"));

describe("s2s upn check", () => {
  it("exits 0 when all are valid and 1 when any is not, saying which", async () => {
    expect(await s2s("upn", "check", "H801200001001", "G80120000101A")).toMatchObject({
      code: 0,
      out: "H801200001001: valid\nG80120000101A: valid (temporary)\n",
    });
    const bad = await s2s("upn", "check", "H801200001001", "Z801200001001");
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(
      "Z801200001001: invalid: UPN Z801200001001 fails its check letter (expected H)",
    );
  });
});

describe("s2s ctf validate", () => {
  it("prints findings like a compiler and exits 0 for the SIMS fixtures (warnings only)", async () => {
    const files = simsFixtures();
    const r = await s2s("ctf", "validate", ...files);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /y7_partial\.xml:24:1: warning pupil\.upn\.invalid: UPN J933207636549 fails its check letter \(expected T\)/,
    );
    expect(r.out).toMatch(/y12\.xml: 1 pupil, 0 errors, \d+ warnings?\n/);
  });

  it("prints what the README's example says it prints", async () => {
    const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
    const block = /\$ s2s ctf validate y7_partial\.xml\n([^`]*)```/.exec(readme)?.[1];
    const [file] = simsFixtures().filter((f) => f.endsWith("y7_partial.xml"));
    const r = await s2s("ctf", "validate", file ?? "");
    // The README shows the file by its name alone, as when validated in its own folder.
    expect(r.out.replaceAll(file ?? "?", "y7_partial.xml")).toBe(block);
  });

  it("exits 1 when a file has errors, and reports a missing file as one", async () => {
    const dir = await tmp();
    const broken = join(dir, "8231234_CTF_8235678_001.XML");
    await writeFile(
      broken,
      "<CTfile><Header><CTFversion>25.0</CTFversion></Header><CTFpupilData><Pupil><Surname>A</Surname></Pupil>",
    );
    const r = await s2s("ctf", "validate", broken, join(dir, "missing.xml"));
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${broken}:1:`);
    expect(r.out).toContain("error xml.truncated");
    expect(r.out).toContain(
      "missing.xml: error file.unreadable: cannot read the file: no such file",
    );
  });

  it("prints one JSON object per file with --json", async () => {
    const [file] = simsFixtures().filter((f) => f.endsWith("y7_partial.xml"));
    const r = await s2s("ctf", "validate", "--json", file as string);
    const lines = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ file, valid: true, pupils: 1, errors: [] });
    expect(lines[0].warnings).toContainEqual({
      code: "pupil.upn.invalid",
      message: expect.stringContaining("J933207636549"),
      line: 24,
      column: 1,
      pupil: { position: 1, upn: "J933207636549", name: "Jagger Mick" },
    });
  });
});

describe("s2s ctf generate and inspect", () => {
  it("writes the next numbered file into a folder, which then validates clean", async () => {
    const dir = await tmp();
    const args = [
      "ctf",
      "generate",
      "--pupils",
      "4",
      "--from",
      "8231234",
      "--to",
      "8235678",
      "--seed",
      "3",
      "--out",
      dir,
    ];
    const first = await s2s(...args);
    const second = await s2s(...args);
    expect(first.out.trim()).toBe(join(dir, "8231234_CTF_8235678_001.XML"));
    expect(second.out.trim()).toBe(join(dir, "8231234_CTF_8235678_002.XML"));
    expect((await readdir(dir)).sort()).toEqual([
      "8231234_CTF_8235678_001.XML",
      "8231234_CTF_8235678_002.XML",
    ]);
    const v = await s2s("ctf", "validate", join(dir, "8231234_CTF_8235678_001.XML"));
    expect(v).toMatchObject({ code: 0 });
    expect(v.out).toContain("4 pupils, 0 errors, 0 warnings");
  });

  it("writes to stdout without --out, in the version asked for", async () => {
    const r = await s2s(
      "ctf",
      "generate",
      "--pupils",
      "1",
      "--from",
      "8231234",
      "--to",
      "XXXXXXX",
      "--version",
      "19.0",
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain("<CTFversion>19.0</CTFversion>");
    expect(r.out).toContain("<LEA>XXX</LEA>");
    expect(r.out).toContain("<Gender>");
  });

  it("says what is wrong with its options, with exit code 2", async () => {
    const lost = await s2s(
      "ctf",
      "generate",
      "--pupils",
      "2",
      "--from",
      "8231234",
      "--to",
      "XXXXXXX",
    );
    expect(lost).toMatchObject({ code: 2, err: expect.stringContaining("exactly one pupil") });
    const missing = await s2s("ctf", "generate", "--pupils", "2");
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("--from");
    expect(
      (await s2s("ctf", "generate", "--pupils", "two", "--from", "8231234", "--to", "8235678")).err,
    ).toContain("whole number");
    expect((await s2s("nonsense")).code).toBe(2);
  });

  it("shows the header and a line per pupil", async () => {
    const [file] = simsFixtures().filter((f) => f.endsWith("y7_2_students.xml"));
    const r = await s2s("ctf", "inspect", file as string);
    expect(r.code).toBe(0);
    expect(r.out).toContain("From:       Stickland's CE VA Primary (8383321, URN 113799)");
    expect(r.out).toMatch(/1 {2}G335311012004 {2}Richie, Lionel\s+2008-11-13 {2}M {4}6/);
    expect(r.out).toMatch(/2 pupils; 0 errors, \d+ warnings/);
    // The column headings sit above the pupils, not above the header.
    expect(r.out.indexOf("Surname, Forename")).toBeGreaterThan(r.out.indexOf("Year:"));
    const [partial] = simsFixtures().filter((f) => f.endsWith("y7_partial.xml"));
    expect((await s2s("ctf", "inspect", partial as string)).out).toMatch(/\n1 pupil; 0 errors/);
  });
});

describe("s2s ctf convert", () => {
  it("writes a real file back with every element, order and value as it came, or at another version", async () => {
    const dir = await tmp();
    for (const file of simsFixtures()) {
      const same = await s2s("ctf", "convert", file);
      expect(same.code).toBe(0);
      expect(elementSequence(same.out)).toEqual(elementSequence(await readFile(file, "utf8")));
    }
    const [file] = simsFixtures();
    const out = join(dir, "as-25.xml");
    const newer = await s2s("ctf", "convert", file as string, "--version", "25.0", "--out", out);
    expect(newer.code).toBe(0);
    expect(newer.err).toContain(`version 19.0 -> 25.0, written to ${out}`);
    const written = await readFile(out, "utf8");
    expect(written).toContain("<CTFversion>25.0</CTFversion>");
    expect(written).toMatch(/<Sex>[MF]<\/Sex>/);
    expect(written).not.toMatch(
      /<Pupil>\s*<UPN>[^<]*<\/UPN>(\s*<[^>]+>[^<]*<\/[^>]+>)*\s*<Gender>/,
    );
    // Never over a file that is there.
    const again = await s2s("ctf", "convert", file as string, "--out", out);
    expect(again.code).toBe(1);
    expect(again.err).toContain("already exists (nothing was overwritten)");
    expect(await readFile(out, "utf8")).toBe(written);
  });

  it("round-trips through another version exactly: pupils' and contacts' Gender and Sex both follow the version", async () => {
    const dir = await tmp();
    for (const file of simsFixtures()) {
      const up = join(dir, `${basename(file)}.25.xml`);
      const back = join(dir, `${basename(file)}.19.xml`);
      expect((await s2s("ctf", "convert", file, "--version", "25.0", "--out", up)).code).toBe(0);
      const at25 = await readFile(up, "utf8");
      // SIMS's contacts have a Gender, at 19.0; at 25.0 every one is a Sex.
      expect(at25).not.toContain("<Gender>");
      expect((await s2s("ctf", "convert", up, "--version", "19.0", "--out", back)).code).toBe(0);
      expect(elementSequence(await readFile(back, "utf8"))).toEqual(
        elementSequence(await readFile(file, "utf8")),
      );
    }
    // A file made at 25.0, its contact's sex as a Sex, goes to 19.0 and back as it was.
    const made = join(dir, "8231234_CTF_9382001_001.XML");
    const original = ctfXml(
      pupilXml(
        "<Contacts><Contact><Order>1</Order><Surname>Smith</Surname><Forename>Jo</Forename><Sex>F</Sex><Relationship>PAM</Relationship></Contact></Contacts>",
      ),
      { dest: "9382001" },
    );
    await writeFile(made, original);
    const old = await s2s("ctf", "convert", made, "--version", "19.0");
    expect(old.code).toBe(0);
    expect(old.out).not.toContain("<Sex>");
    expect(old.out.match(/<Gender>/g)).toHaveLength(2);
    const at19 = join(dir, "at19.xml");
    await writeFile(at19, old.out);
    const again = await s2s("ctf", "convert", at19, "--version", "25.0");
    expect(elementSequence(again.out)).toEqual(elementSequence(original));
  });

  it("writes nothing for a file with errors, and needs a folder for several files", async () => {
    const dir = await tmp();
    const bad = join(dir, "8231234_CTF_9382001_001.XML");
    await writeFile(bad, "<CTfile><Header><CTFversion>25.0</CTFversion></Header></CTfile>");
    const r = await s2s("ctf", "convert", bad, "--out", join(dir, "out.xml"));
    expect(r.code).toBe(1);
    expect(r.err).toContain("not converted: fix the errors above first");
    expect(await readdir(dir)).toEqual(["8231234_CTF_9382001_001.XML"]);
    const several = await s2s("ctf", "convert", bad, bad);
    expect(several.code).toBe(2);
    expect(several.err).toContain("several files need --out FOLDER");
    const folder = join(dir, "converted");
    await mkdir(folder);
    const files = simsFixtures();
    expect((await s2s("ctf", "convert", ...files, "--out", folder)).code).toBe(0);
    expect((await readdir(folder)).sort()).toEqual(files.map((f) => basename(f)).sort());
  });
});

describe("s2s hub serve", () => {
  it("refuses a metrics port that is no port, or the service's own, before it starts", async () => {
    const bad = await s2s("hub", "serve", "--metrics-port", "70000");
    expect(bad).toMatchObject({ code: 2, err: expect.stringContaining("--metrics-port must be") });
    const same = await s2s("hub", "serve", "--port", "3999", "--metrics-port", "3999");
    expect(same.code).toBe(2);
    expect(same.err).toContain("--metrics-port must not be the service's own port");
  });
});

describe("the installed command", () => {
  it("runs from bin/s2s.js with --help listing every command", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      join(import.meta.dirname, "../../bin/s2s.js"),
      "--help",
    ]);
    expect(stdout).toContain("ctf");
    expect(stdout).toContain("upn");
    const ctfHelp = await promisify(execFile)(process.execPath, [
      join(import.meta.dirname, "../../bin/s2s.js"),
      "ctf",
      "--help",
    ]);
    for (const cmd of ["validate", "inspect", "generate", "convert"])
      expect(ctfHelp.stdout).toContain(cmd);
    const readme = await readFile(join(import.meta.dirname, "../../README.md"), "utf8");
    for (const cmd of [
      "s2s ctf validate",
      "s2s ctf inspect",
      "s2s ctf generate",
      "s2s ctf convert",
      "s2s upn check",
    ])
      expect(readme).toContain(cmd);
  });

  it("ends quietly when its reader stops early, as `s2s ctf generate | head` does", async () => {
    const child = spawn(process.execPath, [
      join(import.meta.dirname, "../../bin/s2s.js"),
      ...["ctf", "generate", "--from", "8231234", "--to", "9382001", "--pupils", "2000"],
    ]);
    let said = "";
    child.stderr.on("data", (d) => (said += d));
    // Read the first chunk, then close the pipe, as `head` does once it has its lines.
    await new Promise((resolve) => child.stdout.once("data", resolve));
    child.stdout.destroy();
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(said).toBe("");
    expect(code).toBe(0);
  });
});
