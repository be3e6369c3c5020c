/**
 * Leaving details: the reason, the date and the destination, all three needed before a pupil's
 * CTF can be exported. The destination is an associated school, XXXXXXX (unknown: the Lost
 * Pupils database) or MMMMMMM (out of sector: independent school, abroad).
 */
import { parseDate } from "../ctf/checker.js";
import { CODE_SETS } from "../ctf/code-sets.js";
import { LOST_PUPILS, OUT_OF_SECTOR } from "../ctf/filename.js";
import { dayInWords } from "../ctf/school-days.js";
import { invalid, invalidAll, isId, notFound } from "../platform/errors.js";
import { misAudit } from "./audit.js";
import type { MisContext, MisPrincipal } from "./context.js";

/**
 * The reasons a school records for a new leaver: CBDS's current codes (D00206), with their
 * meanings. Its historic codes (ST, still in real SIMS files) are read and shown, never written.
 */
export const LEAVING_REASONS: readonly { code: string; description: string }[] = Object.entries(
  CODE_SETS.leavingReason.codes,
).map(([code, description]) => ({ code, description }));

export interface LeavingDetails {
  date: string;
  reason: string;
  destination: string;
}

export async function setLeaving(
  ctx: MisContext,
  actor: MisPrincipal,
  pupilId: string,
  input: LeavingDetails,
) {
  if (!isId(pupilId)) throw notFound();
  return setLeavingFor(ctx, actor, [pupilId], input);
}

/**
 * The same leaving details for several pupils (a family moving, a class leaving): all of them
 * or, when any is refused, none, with each refusal naming its pupil.
 */
export async function setLeavingFor(
  ctx: MisContext,
  actor: MisPrincipal,
  pupilIds: string[],
  input: LeavingDetails,
) {
  const ids = [...new Set(pupilIds)];
  if (ids.length === 0 || !ids.every(isId))
    throw invalid("Choose the pupils who are leaving.", "pupils");
  const pupils = await ctx.db
    .selectFrom("pupils")
    .select(["id", "surname", "forename", "upn", "admission_date"])
    .where("id", "in", ids)
    .execute();
  if (pupils.length !== ids.length) {
    if (ids.length === 1) throw notFound();
    throw invalid("Some of those pupils are not in the register.", "pupils");
  }
  // Every problem at once: the office corrects the form in one go.
  const problems: { field: string; message: string }[] = [];
  const date = parseDate(input.date ?? "");
  if (date === undefined)
    problems.push({
      field: "date",
      message:
        "Enter the leaving date as a real date, for example 27 3 2027 (YYYY-MM-DD in the API).",
    });
  const early =
    date === undefined
      ? []
      : pupils.filter((p) => p.admission_date !== null && input.date < p.admission_date);
  if (early.length === 1 && ids.length === 1)
    problems.push({
      field: "date",
      message: `The leaving date ${dayInWords(input.date)} is before the pupil's admission on ${dayInWords(early[0]?.admission_date ?? "")}.`,
    });
  else if (early.length > 0)
    problems.push({
      field: "date",
      message: `The leaving date ${dayInWords(input.date)} is before the admission of ${early
        .map(
          (p) =>
            `${p.surname} ${p.forename}${p.upn ? ` (UPN ${p.upn})` : ""} on ${dayInWords(p.admission_date ?? "")}`,
        )
        .join("; ")}. Nothing was saved.`,
    });
  if (!LEAVING_REASONS.some((r) => r.code === input.reason)) {
    const { historic: old } = CODE_SETS.leavingReason;
    const historic = Object.hasOwn(old, input.reason) ? old[input.reason] : undefined;
    problems.push({
      field: "reason",
      message: historic
        ? `${input.reason} (${historic}) is no longer used for new records: choose one of ${LEAVING_REASONS.map((r) => r.code).join(", ")}.`
        : `Choose a leaving reason: ${LEAVING_REASONS.map((r) => r.code).join(", ")}.`,
    });
  }
  const destination = (input.destination ?? "").trim().toUpperCase();
  if (destination !== LOST_PUPILS && destination !== OUT_OF_SECTOR) {
    const associated = await ctx.db
      .selectFrom("associated_schools")
      .select("laestab")
      .where("laestab", "=", destination)
      .executeTakeFirst();
    if (!associated)
      problems.push({
        field: "destination",
        message: `${destination || "The destination"} is not one of this school's associated schools: add it from the directory first, or choose XXXXXXX (unknown) or MMMMMMM (out of sector).`,
      });
  }
  if (problems.length > 0 || date === undefined) throw invalidAll(problems);
  // On roll until the leaving date comes.
  const left = date <= ctx.clock();
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable("pupils")
      .set({
        leaving_date: input.date,
        leaving_reason: input.reason,
        leaving_destination: destination,
        ...(left ? { status: "left" as const } : {}),
        updated_at: ctx.clock(),
      })
      .where("id", "in", ids)
      .execute();
    for (const id of ids)
      await misAudit(trx, actor, "pupil.leaving", `pupil:${id}`, {
        reason: input.reason,
        destination,
      });
  });
  return { date: input.date, reason: input.reason, destination, pupils: ids.length };
}
