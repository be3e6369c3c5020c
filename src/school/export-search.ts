/**
 * Finding the files exported for a pupil by the start of their name, on the exports page: the
 * register's own files only, audited as a search by name, never the words.
 */
import { sql } from "kysely";
import { namePrefixPattern, requiredNameQuery } from "../platform/name-query.js";
import { misAudit } from "./audit.js";
import type { MisContext, MisPrincipal } from "./context.js";
import { listExports } from "./export.js";

export async function findExportsByPupilName(
  ctx: MisContext,
  actor: MisPrincipal,
  typed: string | undefined,
) {
  const prefix = namePrefixPattern(requiredNameQuery(typed));
  const named = await ctx.db
    .selectFrom("pupils")
    .select("id")
    .where((w) =>
      w.or(
        (["surname", "forename"] as const).map((c) => w(sql`lower(${sql.ref(c)})`, "like", prefix)),
      ),
    )
    .execute();
  const ids = new Set(named.map((p) => p.id));
  const exports = (await listExports(ctx)).filter((e) => e.pupils.some((id) => ids.has(id)));
  await misAudit(ctx.db, actor, "exports.search", "list:exports", {
    criteria: ["pupil name"],
    matched: exports.length,
  });
  return exports;
}
