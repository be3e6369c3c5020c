/**
 * `s2s ctf convert`: each file read, checked and written again. At its own version a file comes
 * out as it came (its element names, order and values); at another, Gender and Sex are renamed
 * to suit. A file with errors is reported and not written, and a file is written whole or not
 * at all: to a temporary name beside it first, then renamed.
 */
import { randomBytes } from "node:crypto";
import { readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { readCtf } from "../ctf/read.js";
import { writeCtf } from "../ctf/writer.js";
import { CliError, type CliIo } from "./io.js";
import { printReport } from "./report.js";

export interface ConvertOptions {
  version?: string;
  out?: string;
}

/** Converts every file it can; returns the exit code (1 if any file had errors). */
export async function convertFiles(
  io: CliIo,
  files: string[],
  opts: ConvertOptions,
): Promise<number> {
  const outIsFolder = opts.out !== undefined && (await isFolder(opts.out));
  if (files.length > 1 && !outIsFolder)
    throw new CliError("several files need --out FOLDER (an existing folder) to be written into");
  let failed = 0;
  for (const file of files) {
    const target =
      opts.out === undefined ? undefined : outIsFolder ? join(opts.out, basename(file)) : opts.out;
    if (!(await convertOne(io, file, target, opts.version))) failed++;
  }
  return failed > 0 ? 1 : 0;
}

async function convertOne(
  io: CliIo,
  file: string,
  target: string | undefined,
  version: string | undefined,
): Promise<boolean> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    io.err(`${file}: cannot read the file: ${(e as NodeJS.ErrnoException).code ?? e}\n`);
    return false;
  }
  const r = await readCtf(bytes, { fileName: file });
  // Findings go to standard error, so that standard output carries only the file.
  if (r.findings.length > 0 || !r.valid) printReport(io, file, r, io.err);
  if (!r.valid || r.document === undefined) {
    io.err(`${file}: not converted: fix the errors above first\n`);
    return false;
  }
  const to = version ?? r.document.header.version ?? "25.0";
  let xml: string;
  try {
    xml = writeCtf(r.document, { version: to });
  } catch (e) {
    throw new CliError(`${file}: ${(e as Error).message}`);
  }
  if (target === undefined) {
    io.out(xml);
    return true;
  }
  if (await exists(target)) {
    io.err(`${file}: not converted: ${target} already exists (nothing was overwritten)\n`);
    return false;
  }
  const temporary = `${target}.${randomBytes(4).toString("hex")}.part`;
  try {
    await writeFile(temporary, xml, { flag: "wx" });
    await rename(temporary, target);
  } catch (e) {
    await rm(temporary, { force: true });
    io.err(`${file}: not converted: cannot write ${target}: ${(e as Error).message}\n`);
    return false;
  }
  io.err(`${file}: version ${r.document.header.version ?? "?"} -> ${to}, written to ${target}\n`);
  return true;
}

async function isFolder(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() === true;
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}
