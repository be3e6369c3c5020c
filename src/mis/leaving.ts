/**
 * Leaving details: the reason, the date and the destination, all three needed before a pupil's
 * CTF can be exported. The destination is an associated school, XXXXXXX (unknown: the Lost
 * Pupils database) or MMMMMMM (out of sector: independent school, abroad).
 */
import { parseDate } from "../ctf/checker.js";
import { LOST_PUPILS, OUT_OF_SECTOR } from "../ctf/filename.js";
import { invalid, isId, notFound } from "../errors.js";
import { misAudit } from "./audit.js";
import type { MisContext, MisPrincipal } from "./context.js";

/**
 * The reasons a school records. The codes are those real SIMS files carry in
 * SchoolHistory/LeavingReason; their meanings are ours to confirm against the CBDS release
 * (CTF-NOTES.md), which this project could not reach.
 */
export const LEAVING_REASONS: readonly { code: string; description: string }[] = [
  { code: "ST", description: "Standard transfer at the end of a phase" },
  { code: "IM", description: "In-year move to another school" },
  { code: "PM", description: "Permanent exclusion" },
  { code: "LC", description: "Left the country" },
  { code: "OR", description: "Other reason" },
];

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
  const pupil = await ctx.db
    .selectFrom("pupils")
    .select(["id", "status", "admission_date"])
    .where("id", "=", pupilId)
    .executeTakeFirst();
  if (!pupil) throw notFound();
  const date = parseDate(input.date ?? "");
  if (date === undefined) throw invalid("The leaving date is a date as YYYY-MM-DD.", "date");
  if (pupil.admission_date !== null && input.date < pupil.admission_date)
    throw invalid(
      `The leaving date ${input.date} is before the pupil's admission on ${pupil.admission_date}.`,
      "date",
    );
  if (!LEAVING_REASONS.some((r) => r.code === input.reason))
    throw invalid(
      `Choose a leaving reason: ${LEAVING_REASONS.map((r) => r.code).join(", ")}.`,
      "reason",
    );
  const destination = (input.destination ?? "").trim().toUpperCase();
  if (destination !== LOST_PUPILS && destination !== OUT_OF_SECTOR) {
    const associated = await ctx.db
      .selectFrom("associated_schools")
      .select("laestab")
      .where("laestab", "=", destination)
      .executeTakeFirst();
    if (!associated)
      throw invalid(
        `${destination || "The destination"} is not one of this school's associated schools: add it from the directory first, or choose XXXXXXX (unknown) or MMMMMMM (out of sector).`,
        "destination",
      );
  }
  // On roll until the leaving date comes.
  const left = date <= ctx.clock();
  await ctx.db
    .updateTable("pupils")
    .set({
      leaving_date: input.date,
      leaving_reason: input.reason,
      leaving_destination: destination,
      ...(left ? { status: "left" as const } : {}),
      updated_at: ctx.clock(),
    })
    .where("id", "=", pupilId)
    .execute();
  await misAudit(ctx.db, actor, "pupil.leaving", `pupil:${pupilId}`, {
    reason: input.reason,
    destination,
  });
  return { date: input.date, reason: input.reason, destination };
}
