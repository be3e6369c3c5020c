/**
 * The pupils an import added and merged, by name, for its page to link to: after importing, the
 * office goes on to check each record (the helpsheet's "editing will be required").
 */
import { misAudit } from "./audit.js";
import type { MisContext, MisPrincipal } from "./context.js";

export async function importedPupils(ctx: MisContext, actor: MisPrincipal, importId: string) {
  const rows = await ctx.db
    .selectFrom("import_changes as c")
    .innerJoin("pupils as p", "p.id", "c.pupil_id")
    .select(["c.position", "c.action", "p.id", "p.surname", "p.forename", "p.upn"])
    .where("c.import_id", "=", importId)
    .orderBy("c.position")
    .execute();
  if (rows.length > 0)
    await misAudit(ctx.db, actor, "pupils.search", `import:${importId}`, { pupils: rows.length });
  return rows.map((r) => ({
    position: r.position,
    action: r.action,
    id: r.id,
    surname: r.surname,
    forename: r.forename,
    upn: r.upn,
  }));
}
