/**
 * Writing into a school's data exchange folder, which its MIS may be watching: a file appears
 * whole or not at all, and a file already there is never replaced.
 */
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeToFolder } from "../../src/school/exchange-folder.js";

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
