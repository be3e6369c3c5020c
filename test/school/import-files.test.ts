/**
 * The pupils of files being imported are held between an import's steps, but within a byte
 * budget as well as a count: four large files at once took a school side to gigabytes.
 */
import { describe, expect, it } from "vitest";
import type { Pupil } from "../../src/ctf/model.js";
import { ImportFiles } from "../../src/school/import-files.js";

const pupils = (n: number): Pupil[] =>
  Array.from({ length: n }, (_, i) => ({ surname: `P${i}` }) as Pupil);
const MB = 1024 * 1024;

describe("files held between an import's steps", () => {
  it("lets the oldest go once the files held pass the byte budget", () => {
    const held = new ImportFiles(60 * MB);
    held.set("a", pupils(1), 25 * MB);
    held.set("b", pupils(2), 25 * MB);
    expect(held.size()).toEqual({ files: 2, fileBytes: 50 * MB });
    held.set("c", pupils(3), 25 * MB);
    expect(held.get("a")).toBeUndefined();
    expect(held.get("b")).toHaveLength(2);
    expect(held.get("c")).toHaveLength(3);
    expect(held.size()).toEqual({ files: 2, fileBytes: 50 * MB });
  });

  it("holds no file larger than the budget, and at most four small ones", () => {
    const held = new ImportFiles(60 * MB);
    held.set("huge", pupils(1), 61 * MB);
    expect(held.get("huge")).toBeUndefined();
    for (const id of ["1", "2", "3", "4", "5"]) held.set(id, pupils(1), 1000);
    expect(held.get("1")).toBeUndefined();
    expect(held.size()).toEqual({ files: 4, fileBytes: 4000 });
  });
});
