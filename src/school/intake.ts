/**
 * Pupils imported for a future admission date wait as intake; on their date (at the school's
 * clock) they go on roll. The update changes only pupils still waiting, so two runs at once, or
 * a run repeated, enrol no one twice.
 */
import { misAudit } from "./audit.js";
import { schoolToday } from "./calendar.js";
import type { MisContext } from "./context.js";

export async function enrolDue(ctx: MisContext): Promise<string[]> {
  const today = schoolToday(ctx);
  // Each pupil's enrolment and its audit entry commit together, or neither does.
  return ctx.db.transaction().execute(async (trx) => {
    const enrolled = await trx
      .updateTable("pupils")
      .set({ status: "onroll", updated_at: ctx.clock() })
      .where("status", "=", "intake")
      .where("admission_date", "<=", today)
      .returning(["id", "admission_date"])
      .execute();
    for (const p of enrolled)
      await misAudit(trx, null, "pupil.enrol", `pupil:${p.id}`, {
        admissionDate: p.admission_date,
      });
    return enrolled.map((p) => p.id);
  });
}

/** For the home page: pupils waiting to join, and those who joined today. */
export async function intakeCounts(ctx: MisContext) {
  const today = schoolToday(ctx);
  const [waiting, joined] = await Promise.all([
    ctx.db
      .selectFrom("pupils")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("status", "=", "intake")
      .executeTakeFirstOrThrow(),
    ctx.db
      .selectFrom("pupils")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("status", "=", "onroll")
      .where("admission_date", "=", today)
      .executeTakeFirstOrThrow(),
  ]);
  return { waiting: Number(waiting.n), joinedToday: Number(joined.n) };
}
