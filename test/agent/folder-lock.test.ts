/**
 * One agent per folder, also when several start at once on a folder whose last agent died
 * holding it (an outside test saw two agents run together in 1 of 5 such starts).
 */
import { mkdir, mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FolderTaken, lockFolder } from "../../src/agent/state.js";

describe("the folder's lock", () => {
  it("lets exactly one of three agents starting together take a folder, a dead agent's or not", async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 100; i++) {
      const folder = await mkdtemp(join(tmpdir(), "s2s-lock-"));
      const stale = i % 2 === 1;
      if (stale) {
        await mkdir(join(folder, ".s2s-sync"));
        // A process id no process has (above Linux's largest).
        await writeFile(join(folder, ".s2s-sync", "agent.lock"), "4194305");
      }
      const tries = await Promise.allSettled([1, 2, 3].map(() => lockFolder(folder)));
      const held = tries.filter((r) => r.status === "fulfilled").length;
      const refused = tries.filter(
        (r) => r.status === "rejected" && r.reason instanceof FolderTaken,
      ).length;
      outcomes.push(`${stale ? "stale" : "free"}: ${held} held, ${refused} refused`);
      for (const r of tries) if (r.status === "fulfilled") await r.value();
      // Nothing left behind but the state folder itself.
      expect(await readdir(join(folder, ".s2s-sync"))).toEqual([]);
    }
    expect(new Set(outcomes)).toEqual(
      new Set(["free: 1 held, 2 refused", "stale: 1 held, 2 refused"]),
    );
  });
});
