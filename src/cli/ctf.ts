import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { formatCtfFileName, nextSequence } from "../ctf/filename.js";
import { findingJson } from "../ctf/findings.js";
import { generateHeader, generatePupils } from "../ctf/generator.js";
import type { SchoolRef } from "../ctf/model.js";
import { parseCtfFile } from "../ctf/read.js";
import { CtfWriter } from "../ctf/writer.js";
import { convertFiles } from "./convert.js";
import { CliError, type CliIo } from "./io.js";
import { byLine, plural, printReport } from "./report.js";

function school(s: SchoolRef | undefined): string {
  if (s === undefined) return "(missing)";
  const name = s.schoolName ? `${s.schoolName} ` : "";
  const urn = s.urn ? `, URN ${s.urn}` : "";
  return `${name}(${s.lea ?? "?"}${s.estab ?? "?"}${urn})`;
}

const laestab = (value: string) => value.trim().toUpperCase();

export function ctfCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const ctf = program
    .command("ctf")
    .description("read, check, write and generate Common Transfer Files");

  ctf
    .command("validate")
    .description("check CTF files; exits 1 if any has errors")
    .argument("<file...>", "CTF files")
    .option("--json", 'one JSON object per file: {"file","valid","pupils","errors","warnings"}')
    .action(async (files: string[], opts: { json?: boolean }) => {
      let invalid = 0;
      for (const file of files) {
        const r = await parseCtfFile(file);
        if (!r.valid) invalid++;
        if (!opts.json) {
          printReport(io, file, r);
          continue;
        }
        const sorted = [...r.findings].sort(byLine);
        const line = {
          file,
          valid: r.valid,
          pupils: r.pupilCount,
          errors: sorted.filter((f) => f.severity === "error").map(findingJson),
          warnings: sorted.filter((f) => f.severity === "warning").map(findingJson),
          omitted: r.omitted,
        };
        io.out(`${JSON.stringify(line)}\n`);
      }
      setExit(invalid > 0 ? 1 : 0);
    });

  ctf
    .command("inspect")
    .description("show a CTF's header and pupils, human readable")
    .argument("<file>", "a CTF file")
    .action(async (file: string) => {
      const r = await parseCtfFile(file, {
        onHeader(h) {
          io.out(
            [
              `File:       ${file}`,
              `Version:    ${h.version ?? "?"} (${h.documentQualifier ?? "?"}), made ${h.dateTime ?? "?"} by ${h.supplierId ?? "?"}`,
              `From:       ${school(h.sourceSchool)}`,
              `To:         ${school(h.destSchool)}`,
              `Year:       ${h.sourceSchool?.academicYear ?? "?"}`,
              "",
              `${"#".padStart(5)}  ${"UPN".padEnd(13)}  ${"Surname, Forename".padEnd(32)}  DOB         Sex  NC`,
              "",
            ].join("\n"),
          );
        },
        onPupil(p, position) {
          const name = `${p.surname ?? "?"}, ${p.forename ?? "?"}`;
          io.out(
            `${String(position).padStart(5)}  ${(p.upn ?? "").padEnd(13)}  ${name.padEnd(32)}  ${(p.dob ?? "").padEnd(10)}  ${(p.sex ?? "").padEnd(3)}  ${p.basicDetails?.ncYearActual ?? ""}\n`,
          );
          return undefined;
        },
      });
      io.out(
        `\n${plural(r.pupilCount, "pupil")}; ${plural(r.errorCount, "error")}, ${plural(r.warningCount, "warning")}${r.errorCount + r.warningCount > 0 ? ` (see: s2s ctf validate ${file})` : ""}\n`,
      );
      setExit(r.valid ? 0 : 1);
    });

  ctf
    .command("generate")
    .description("write a CTF of synthetic pupils (never real people) for tests and demos")
    .requiredOption("--pupils <n>", "how many pupils", (v) => positiveInt(v, "--pupils"))
    .requiredOption("--from <laestab>", "sending school, e.g. 8231234", laestab)
    .requiredOption(
      "--to <laestab>",
      "destination, XXXXXXX (lost) or MMMMMMM (out of sector)",
      laestab,
    )
    .option(
      "--seed <s>",
      "seed: the same seed gives the same pupils",
      (v) => positiveInt(v, "--seed"),
      1,
    )
    .option(
      "--version <v>",
      "CTF version to write (default: the academic year's, 26.0 for 2026/27)",
    )
    .option(
      "--academic-year <y>",
      "academic year the file is made in, e.g. 2025 for 2025/26",
      (v) => positiveInt(v, "--academic-year"),
    )
    .option("--school-name <name>", "the sending school's name (otherwise one is made up)")
    .option(
      "--out <dir>",
      "write SSSSSSS_CTF_DDDDDDD_NNN.XML into this folder (next free number) instead of stdout",
    )
    .action(async (opts: GenerateCliOptions) => {
      const options = {
        from: opts.from,
        to: opts.to,
        pupils: opts.pupils,
        seed: opts.seed,
        ...(opts.version === undefined ? {} : { version: opts.version }),
        ...(opts.schoolName === undefined ? {} : { schoolName: opts.schoolName }),
        ...(opts.academicYear === undefined ? {} : { academicYear: opts.academicYear }),
      };
      let header: ReturnType<typeof generateHeader>;
      try {
        header = generateHeader(options);
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      if (opts.out === undefined) {
        const writer = new CtfWriter((s) => io.out(s), header, { version: header.version });
        for (const p of generatePupils(options, header)) writer.pupil(p);
        writer.end();
        return;
      }
      await mkdir(opts.out, { recursive: true });
      const sequence = nextSequence(opts.from, opts.to, await readdir(opts.out));
      const path = join(opts.out, formatCtfFileName(opts.from, opts.to, sequence));
      const stream = createWriteStream(path, { flags: "wx" });
      const writer = new CtfWriter(
        (s) => {
          stream.write(s);
        },
        header,
        { version: header.version },
      );
      for (const p of generatePupils(options, header)) {
        writer.pupil(p);
        if (stream.writableNeedDrain) await once(stream, "drain");
      }
      writer.end();
      stream.end();
      await once(stream, "finish");
      io.out(`${path}\n`);
    });

  ctf
    .command("convert")
    .description(
      "read, check and write CTFs again, at their own version (every element, order and value " +
        "as it came) or another (Gender and Sex renamed to suit); a file with errors is not written",
    )
    .argument("<file...>", "CTF files")
    .option("--version <v>", "CTF version to write (default: each file's own)")
    .option(
      "--out <path>",
      "a file (for one input) or a folder (files keep their names); default: standard output, for one file",
    )
    .action(async (files: string[], opts: { version?: string; out?: string }) => {
      setExit(await convertFiles(io, files, opts));
    });
}

interface GenerateCliOptions {
  schoolName?: string;
  pupils: number;
  from: string;
  to: string;
  seed: number;
  version: string;
  academicYear?: number;
  out?: string;
}

function positiveInt(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new CliError(`${option} must be a whole number: "${value}"`);
  return n;
}
