import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";

/** `../shared` beside the repository: real CTFs made by a real MIS. */
export const SHARED = resolve(import.meta.dirname, "../../../shared");
export const SIMS_FIXTURES = join(SHARED, "fixtures/ctf/sims-19");

export function simsFixtures(): string[] {
  if (!existsSync(SIMS_FIXTURES)) {
    throw new Error(
      `the shared fixtures are missing: ${SIMS_FIXTURES} (../shared must sit beside the repository)`,
    );
  }
  return readdirSync(SIMS_FIXTURES)
    .filter((f) => f.toLowerCase().endsWith(".xml"))
    .sort()
    .map((f) => join(SIMS_FIXTURES, f));
}

/** A fixed "today" so that date rules give the same answer every day. */
export const TODAY = new Date("2026-11-28T12:00:00Z");

/** The 1-based line on which `needle` first appears in `text`. */
export function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`not found: ${needle}`);
  return text.slice(0, at).split("\n").length;
}
