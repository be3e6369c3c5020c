/**
 * Writing into a school's data exchange folder, which its MIS may be watching: a file appears
 * whole or not at all, and a file already there is never replaced. Listing it reads a file only
 * when it is new or has changed.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateCtf } from "../../src/ctf/generator.js";
import { writeCtf } from "../../src/ctf/writer.js";
import { writeToFolder } from "../../src/school/exchange-folder.js";
import { FolderIndex } from "../../src/school/folder-index.js";

describe("the data exchange folder", () => {
  it("never replaces a file of the same name, and leaves no partial file behind", async () => {
    const folder = await mkdtemp(join(tmpdir(), "s2s-exchange-unit-"));
    const name = "8231234_CTF_9382001_001.XML";
    await writeFile(join(folder, name), "the MIS's own file");
    await expect(writeToFolder(folder, name, "<CTfile/>")).rejects.toThrow(
      `a file called ${name} is already there`,
    );
    expect(await readFile(join(folder, name), "utf8")).toBe("the MIS's own file");
    expect(await readdir(folder)).toEqual([name]);
  });

  it("lets exactly one of two writers of one name through", async () => {
    const folder = await mkdtemp(join(tmpdir(), "s2s-exchange-unit-"));
    const name = "8231234_CTF_XXXXXXX_002.XML";
    const results = await Promise.allSettled([
      writeToFolder(folder, name, "first"),
      writeToFolder(folder, name, "second"),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    expect(won).toHaveLength(1);
    expect(["first", "second"]).toContain(await readFile(join(folder, name), "utf8"));
    expect(await readdir(folder)).toEqual([name]);
  });
});

describe("the data exchange folder's index", () => {
  const ctf = (to: string, pupils: number, seed: number) =>
    writeCtf(generateCtf({ from: "8231234", to, pupils, seed, now: new Date("2026-11-01") }));

  it("lists this school's CTFs, reading a file again only when it changes", async () => {
    const folder = await mkdtemp(join(tmpdir(), "s2s-exchange-index-"));
    await writeFile(join(folder, "8231234_CTF_9382001_001.XML"), ctf("9382001", 2, 1));
    await writeFile(join(folder, "8231234_CTF_9382001_002.XML"), ctf("9382001", 3, 2));
    await writeFile(join(folder, "8231234_CTF_9999999_003.XML"), ctf("9999999", 1, 3));
    await writeFile(join(folder, "notes.txt"), "not a CTF");
    const index = new FolderIndex();
    const first = await index.list(folder, "9382001");
    expect(first?.map((e) => [e.fileName, e.pupils, e.from.laestab]).sort()).toEqual([
      ["8231234_CTF_9382001_001.XML", 2, "8231234"],
      ["8231234_CTF_9382001_002.XML", 3, "8231234"],
    ]);
    expect(index.reads).toBe(2);
    // Listed again with nothing changed: nothing is read.
    expect(await index.list(folder, "9382001")).toEqual(first);
    expect(index.reads).toBe(2);
    // The MIS writes one again, larger: that one alone is read; a file gone is gone.
    await writeFile(join(folder, "8231234_CTF_9382001_001.XML"), ctf("9382001", 5, 4));
    await rm(join(folder, "8231234_CTF_9382001_002.XML"));
    const after = await index.list(folder, "9382001");
    expect(after?.map((e) => [e.fileName, e.pupils])).toEqual([["8231234_CTF_9382001_001.XML", 5]]);
    expect(index.reads).toBe(3);
    expect(await index.list(join(folder, "missing"), "9382001")).toBeUndefined();
  });
});
