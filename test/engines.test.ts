/**
 * The README promises Node 20.19 or newer: every package `npm ci` installs must accept the
 * oldest Node we claim, or `npm ci` warns EBADENGINE and the package may use what 20 lacks.
 */
import { readFileSync } from "node:fs";
import semver from "semver";
import { describe, expect, it } from "vitest";

const root = new URL("../", import.meta.url);
const json = (name: string) => JSON.parse(readFileSync(new URL(name, root), "utf8"));

describe("Node versions", () => {
  const ours: string = json("package.json").engines.node;
  const oldest = semver.minVersion(ours)?.version ?? "";

  it("claims the same oldest Node in package.json and the README", () => {
    expect(oldest).toBe("20.19.0");
    expect(readFileSync(new URL("README.md", root), "utf8")).toContain("Node 20.19 or newer");
  });

  it("installs only packages that accept the oldest Node we claim", () => {
    const lock = json("package-lock.json") as {
      packages: Record<string, { engines?: { node?: string } | string[]; optional?: boolean }>;
    };
    const refusing = Object.entries(lock.packages)
      .filter(([path, p]) => path !== "" && !Array.isArray(p.engines) && p.engines?.node)
      .filter(([, p]) => !semver.satisfies(oldest, (p.engines as { node: string }).node))
      .map(([path, p]) => `${path} wants node ${(p.engines as { node: string }).node}`);
    expect(refusing).toEqual([]);
  });
});
