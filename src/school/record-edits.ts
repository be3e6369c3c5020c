/**
 * A pupil's record changed by hand, one area at a time (contacts, address, SEN): read under a
 * row lock, changed, written back in one transaction with its audit entry, which names the area
 * and never the values. A later import keeps what the register holds (merge.ts).
 */
import type { Pupil } from "../ctf/model.js";
import { isId, notFound } from "../platform/errors.js";
import { misAudit } from "./audit.js";
import type { MisContext, MisPrincipal } from "./context.js";

export async function changeRecord(
  ctx: MisContext,
  actor: MisPrincipal,
  pupilId: string,
  area: string,
  change: (record: Pupil) => Pupil,
): Promise<void> {
  if (!isId(pupilId)) throw notFound();
  await ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom("pupils")
      .select("record")
      .where("id", "=", pupilId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw notFound();
    const record = change(row.record);
    await trx
      .updateTable("pupils")
      .set({ record: JSON.stringify(record), updated_at: ctx.clock() })
      .where("id", "=", pupilId)
      .execute();
    await misAudit(trx, actor, "pupil.edit", `pupil:${pupilId}`, { fields: [area] });
  });
}

/** A typed value, trimmed; nothing when only spaces were typed. */
export const trimmed = (v: string | undefined) => (v?.trim() ? v.trim() : undefined);
