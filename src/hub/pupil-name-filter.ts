/**
 * Finding a file by a pupil in it: `q` matches the start of a pupil's surname or forename (as
 * sent, or preferred), in the organisation's own files only. The words are never kept: the
 * audit says a list was searched by name, and how many files matched.
 */
import { type ExpressionBuilder, sql } from "kysely";
import { namePrefixPattern } from "../platform/name-query.js";
import { audit } from "./audit.js";
import type { HubContext, Principal } from "./context.js";
import type { DB } from "./schema.js";

/** The files of `transfers` in which some pupil's name starts with `q`. */
export function namesPupil(q: string) {
  const prefix = namePrefixPattern(q);
  return (eb: ExpressionBuilder<DB, "transfers">) =>
    eb.exists(
      eb
        .selectFrom("transfer_pupils as tp")
        .select(sql`1`.as("one"))
        .whereRef("tp.transfer_id", "=", "transfers.id")
        .where((w) =>
          w.or(
            (["surname", "forename", "preferred_surname", "preferred_forename"] as const).map((c) =>
              w(sql`lower(tp.${sql.ref(c)})`, "like", prefix),
            ),
          ),
        ),
    );
}

/** Those of `files` holding a pupil whose name starts with `q`, in the order given. */
export async function filesNamingPupil<T extends { id: string }>(
  ctx: HubContext,
  files: T[],
  q: string,
): Promise<T[]> {
  if (files.length === 0) return [];
  const rows = await ctx.db
    .selectFrom("transfers")
    .select("id")
    .where(
      "id",
      "in",
      files.map((f) => f.id),
    )
    .where(namesPupil(q))
    .execute();
  const named = new Set(rows.map((r) => r.id));
  return files.filter((f) => named.has(f.id));
}

/** Audits a search of a list by a pupil's name: which list, how many files, never the words. */
export async function auditNameSearch(
  ctx: HubContext,
  p: Principal,
  list: "inbox" | "sent",
  matched: number,
) {
  await audit(ctx.db, p, {
    action: "transfers.search",
    target: `list:${list}`,
    detail: { criteria: ["pupil name"], matched },
  });
}
