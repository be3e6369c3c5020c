/**
 * Undoing a committed import as a whole. Pupils it added are removed; pupils it merged go back
 * to what they were, field for field. Where someone has changed a pupil by hand since, what
 * they changed stays, and the undo says so: only what is still as the import left it goes back.
 */
import { AppError, isId, notFound } from "../platform/errors.js";
import { misAudit } from "./audit.js";
import type { MisContext, MisPrincipal } from "./context.js";
import { STATE_COLUMNS, type StateRow, stateOf, writeStates } from "./imports.js";
import { stateDigest, undoDiff } from "./state-diff.js";

export interface UndoNote {
  position: number;
  pupil: string;
  note: string;
}

export async function undoImport(ctx: MisContext, actor: MisPrincipal, id: string) {
  if (!isId(id)) throw notFound();
  return ctx.db.transaction().execute(async (trx) => {
    const imp = await trx
      .selectFrom("imports")
      .select(["status"])
      .where("id", "=", id)
      .forUpdate()
      .executeTakeFirst();
    if (!imp) throw notFound();
    if (imp.status !== "committed")
      throw new AppError(
        "import.state",
        imp.status === "undone"
          ? "This import was undone already."
          : "This import was never committed.",
      );
    const changes = await trx
      .selectFrom("import_changes")
      .selectAll()
      .where("import_id", "=", id)
      .orderBy("position")
      .execute();
    const notes: UndoNote[] = [];
    let removed = 0;
    const restored: StateRow[] = [];
    for (const c of changes) {
      const row = await trx
        .selectFrom("pupils")
        .select(["id", "record", ...STATE_COLUMNS])
        .where("id", "=", c.pupil_id)
        .forUpdate()
        .executeTakeFirst();
      if (!row) {
        notes.push({ position: c.position, pupil: c.pupil_id, note: "no longer in the register" });
        continue;
      }
      const now = stateOf(row);
      if (c.action === "new") {
        const exported = await trx
          .selectFrom("exports")
          .select("id")
          .where(({ eb, val }) => eb(val(c.pupil_id), "=", eb.fn.any("pupil_ids")))
          .executeTakeFirst();
        // A pupil added and then changed by hand or sent on is someone's work: it stays.
        if (exported || stateDigest(now) !== c.after_digest) {
          notes.push({
            position: c.position,
            pupil: c.pupil_id,
            note: exported
              ? "kept: their CTF has been exported since"
              : "kept: edited by hand since the import",
          });
          continue;
        }
        await trx.deleteFrom("pupils").where("id", "=", c.pupil_id).execute();
        removed++;
        continue;
      }
      const { state, kept } = undoDiff(c.diff ?? {}, now);
      restored.push({ id: c.pupil_id, state });
      if (kept.length > 0)
        notes.push({
          position: c.position,
          pupil: c.pupil_id,
          note: `changed by hand since the import, so left as they are: ${kept.join(", ")}`,
        });
    }
    await writeStates(trx, restored, ctx.clock());
    await trx
      .updateTable("imports")
      .set({
        status: "undone",
        undone_by: actor.userId,
        undone_at: ctx.clock(),
        undo_notes: JSON.stringify(notes),
      })
      .where("id", "=", id)
      .execute();
    const counts = { removed, restored: restored.length };
    await misAudit(trx, actor, "import.undo", `import:${id}`, { ...counts, notes: notes.length });
    return { id, status: "undone" as const, ...counts, notes };
  });
}
