/** Corrections schools report to their directory record, as administrators read them. */

import { AppError } from "../errors.js";
import type { HubContext, Principal } from "./context.js";
import { canReadCorrections } from "./policies/service.js";

export async function listCorrections(ctx: HubContext, actor: Principal, laestab?: string) {
  if (!canReadCorrections(actor)) throw new AppError("forbidden");
  let q = ctx.db
    .selectFrom("corrections")
    .innerJoin("users", "users.id", "corrections.user_id")
    .select([
      "corrections.id",
      "corrections.laestab",
      "corrections.text",
      "corrections.created_at",
      "corrections.resolved_at",
      "users.username",
    ])
    .orderBy("corrections.created_at", "desc")
    .limit(500);
  if (laestab) q = q.where("corrections.laestab", "=", laestab);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    laestab: r.laestab,
    text: r.text,
    reportedBy: r.username,
    createdAt: r.created_at.toISOString(),
    resolvedAt: r.resolved_at?.toISOString() ?? null,
  }));
}
