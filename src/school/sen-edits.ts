/**
 * A pupil's special educational needs kept by hand: a change of provision from a date (the one
 * it replaces ends the day before, so the history reads as the CTF keeps it) and their primary
 * and secondary need. Every problem of the form is said at once.
 */
import { parseDate } from "../ctf/checker.js";
import { CODE_SETS } from "../ctf/code-sets.js";
import type { Pupil, SenHistory, SenNeed, SenProvision } from "../ctf/model.js";
import { dayInWords } from "../ctf/school-days.js";
import { invalidAll } from "../platform/errors.js";
import type { MisContext, MisPrincipal } from "./context.js";
import { changeRecord, trimmed } from "./record-edits.js";

export interface SenInput {
  /** An SEN provision code (N, K, E). */
  provision?: string;
  /** YYYY-MM-DD: from when, asked only when the provision changes. */
  startDate?: string;
  /** SEN type codes, ranked 1 and 2. */
  primaryNeed?: string;
  secondaryNeed?: string;
}

/** The provision in force: the latest one that has not ended. */
export function currentProvision(h: SenHistory | undefined): SenProvision | undefined {
  const open = (h?.provisions ?? []).filter((p) => !p.endDate);
  return open.sort((a, b) => (a.startDate ?? "").localeCompare(b.startDate ?? "")).at(-1);
}

const dayBefore = (date: string) =>
  new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

function senOf(input: SenInput, before: SenHistory | undefined): SenHistory {
  const problems: { field: string; message: string }[] = [];
  const provision = trimmed(input.provision);
  const primary = trimmed(input.primaryNeed);
  const secondary = trimmed(input.secondaryNeed);
  const current = currentProvision(before);
  const changed = provision !== undefined && provision !== current?.provision;
  const startDate = trimmed(input.startDate);
  if (!provision) problems.push({ field: "provision", message: "Choose the SEN provision." });
  else if (!(provision in CODE_SETS.senProvision.codes))
    problems.push({ field: "provision", message: "Choose the SEN provision from the list." });
  if (changed && !startDate)
    problems.push({ field: "startDate", message: "Give the date the new provision starts." });
  else if (changed && startDate && parseDate(startDate) === undefined)
    problems.push({
      field: "startDate",
      message: "The start date must be a real date, for example 1 9 2026.",
    });
  else if (changed && startDate && current?.startDate && startDate <= current.startDate)
    problems.push({
      field: "startDate",
      message: `The new provision must start after the current one began (${dayInWords(current.startDate)}).`,
    });
  for (const [field, code] of [
    ["primaryNeed", primary],
    ["secondaryNeed", secondary],
  ] as const)
    if (code && !(code in CODE_SETS.senType.codes))
      problems.push({ field, message: "Choose the need from the list." });
  if (secondary && !primary)
    problems.push({
      field: "primaryNeed",
      message: "Give the primary need before a secondary one.",
    });
  if (secondary && secondary === primary)
    problems.push({
      field: "secondaryNeed",
      message: "The secondary need must differ from the primary.",
    });
  if (provision === "N" && primary)
    problems.push({
      field: "primaryNeed",
      message:
        "A pupil with no special educational need has no need recorded: leave the needs empty.",
    });
  if (problems.length > 0) throw invalidAll(problems);

  let provisions = [...(before?.provisions ?? [])];
  if (changed && provision && startDate) {
    provisions = provisions.map((p) =>
      p === current ? { ...p, endDate: dayBefore(startDate) } : p,
    );
    provisions.push({ provision, startDate });
  }
  // A need kept keeps its start date; a need named anew starts with no date given.
  const kept = (type: string) => before?.needs?.find((n) => n.type === type)?.startDate;
  const needs: SenNeed[] = [primary, secondary].flatMap((type, i) => {
    if (!type) return [];
    const start = kept(type);
    return [{ rank: String(i + 1), type, ...(start ? { startDate: start } : {}) }];
  });
  return {
    ...(before ?? {}),
    ...(provisions.length > 0 ? { provisions } : {}),
    needs,
  };
}

export function saveSen(
  ctx: MisContext,
  actor: MisPrincipal,
  pupilId: string,
  input: SenInput,
): Promise<void> {
  return changeRecord(ctx, actor, pupilId, "senHistory", (record) => {
    const senHistory = senOf(input, record.senHistory);
    if (!senHistory.needs?.length) delete senHistory.needs;
    const next: Pupil = { ...record, senHistory };
    if (!senHistory.provisions?.length && !senHistory.needs) delete next.senHistory;
    return next;
  });
}
