/** Corrections schools report to their directory record, as administrators read them. */

import { AppError, notFound, requireId } from "../platform/errors.js";
import { audit } from "./audit.js";
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

/** Marks a reported correction done (the directory was put right, or it needed nothing). */
export async function resolveCorrection(ctx: HubContext, actor: Principal, id: string) {
  if (!canReadCorrections(actor)) throw new AppError("forbidden");
  const row = await ctx.db
    .updateTable("corrections")
    .set({ resolved_at: ctx.clock() })
    .where("id", "=", requireId(id))
    .where("resolved_at", "is", null)
    .returning(["id", "laestab"])
    .executeTakeFirst();
  if (!row) {
    const exists = await ctx.db
      .selectFrom("corrections")
      .select("id")
      .where("id", "=", id)
      .executeTakeFirst();
    if (!exists) throw notFound();
    return; // done already: nothing more to record
  }
  await audit(ctx.db, actor, {
    action: "correction.resolve",
    target: `establishment:${row.laestab}`,
    detail: { correction: row.id },
  });
}

/** What waits for the service's administrators, for their home page. */
export async function adminOverview(ctx: HubContext, actor: Principal) {
  if (!canReadCorrections(actor)) throw new AppError("forbidden");
  const now = ctx.clock();
  const [waiting, locked, mail] = await Promise.all([
    ctx.db
      .selectFrom("corrections")
      .innerJoin("establishments as e", "e.laestab", "corrections.laestab")
      .select(["corrections.id", "corrections.laestab", "corrections.created_at", "e.name"])
      .where("corrections.resolved_at", "is", null)
      .orderBy("corrections.created_at")
      .execute(),
    ctx.db
      .selectFrom("sign_in_attempts")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("locked_until", ">", now)
      .executeTakeFirstOrThrow(),
    ctx.db
      .selectFrom("mail_outbox")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("sent_at", "is", null)
      .where("attempts", ">", 0)
      .executeTakeFirstOrThrow(),
  ]);
  return {
    corrections: waiting.map((c) => ({
      id: c.id,
      laestab: c.laestab,
      name: c.name,
      createdAt: c.created_at.toISOString(),
    })),
    lockedUsers: Number(locked.n),
    mailFailing: Number(mail.n),
  };
}
