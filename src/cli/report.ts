import { type Finding, formatFinding } from "../ctf/findings.js";
import type { CheckReport } from "../ctf/read.js";
import type { CliIo } from "./io.js";

export function byLine(a: Finding, b: Finding): number {
  return (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
}

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export function printReport(io: CliIo, file: string, r: CheckReport, to = io.out): void {
  for (const f of [...r.findings].sort(byLine)) to(`${formatFinding(file, f)}\n`);
  for (const o of r.omitted) to(`${file}: note: ${o.count} more ${o.code} not shown\n`);
  to(
    `${file}: ${plural(r.pupilCount, "pupil")}, ${plural(r.errorCount, "error")}, ${plural(r.warningCount, "warning")}\n`,
  );
}
