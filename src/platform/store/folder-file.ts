/**
 * Putting a file into a folder another program watches (an MIS's data exchange folder): it is
 * written under a hidden name and then linked to its own, so nothing ever sees half a file, and
 * a file already there is never replaced.
 */
import { randomUUID } from "node:crypto";
import { chmod, link, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";

/** `name`, or (from 2) `name` with -2, -3 ... before its extension. */
export function numbered(name: string, n: number): string {
  if (n === 1) return name;
  const dot = name.lastIndexOf(".");
  return dot > 0 ? `${name.slice(0, dot)}-${n}${name.slice(dot)}` : `${name}-${n}`;
}

/**
 * Writes `bytes` to `dir/name` and returns the name used. When the name is taken: "refuse"
 * throws; "next" takes the next free numbered name, and a file there with the same bytes counts
 * as this one already saved. Pupils' data: readable by its owner alone unless `mode` says more.
 */
export async function writeWhole(
  dir: string,
  name: string,
  bytes: string | Uint8Array,
  taken: "refuse" | "next",
  mode = 0o600,
): Promise<string> {
  // A name, never a path: whoever chose it, nothing is written outside `dir`.
  if (name !== basename(name) || name.includes("\\") || name.startsWith(".") || name === "")
    throw new Error(`not a plain file name: ${JSON.stringify(name)}`);
  const temporary = join(dir, `.${name}.${randomUUID()}.partial`);
  await writeFile(temporary, bytes, { flag: "wx", mode });
  // Whatever the umask: the mode asked for, no more and no less.
  await chmod(temporary, mode);
  const mine = Buffer.from(bytes);
  try {
    for (let n = 1; ; n++) {
      const candidate = numbered(name, n);
      if (taken === "next") {
        const there = await readFile(join(dir, candidate)).catch(() => undefined);
        if (there?.equals(mine)) return candidate;
        if (there) continue;
      }
      try {
        await place(temporary, join(dir, candidate));
        return candidate;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        if (taken === "refuse") throw new Error(`a file called ${name} is already there`);
      }
    }
  } finally {
    await unlink(temporary).catch(() => {});
  }
}

/** A hard link, which fails rather than replace; on a share without them, look then rename. */
async function place(temporary: string, final: string): Promise<void> {
  await link(temporary, final).catch(async (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPERM" && e.code !== "ENOTSUP" && e.code !== "ENOSYS") throw e;
    // A narrow race, not a torn file.
    if (await stat(final).catch(() => undefined)) throw Object.assign(e, { code: "EEXIST" });
    await rename(temporary, final);
  });
}
