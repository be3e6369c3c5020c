/**
 * Advisory lock keys: every one S2S takes comes from the registry, and no two purposes share one
 * (starting the job queue and sealing the audit log once did).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LOCK_KEYS } from "../../src/platform/db/lock-keys.js";

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });
}

describe("advisory lock keys", () => {
  it("are each used for one purpose", () => {
    const keys = Object.values(LOCK_KEYS);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("are written only in the registry", () => {
    const src = join(import.meta.dirname, "../../src");
    const strays = sources(src)
      .filter((f) => !f.endsWith("lock-keys.ts"))
      .filter((f) => /\b5_?252_?\d{3}\b/.test(readFileSync(f, "utf8")));
    expect(strays).toEqual([]);
  });
});
