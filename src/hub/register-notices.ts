/**
 * An LA user's choice to be e-mailed when a file from one of the LA's schools goes to the Lost
 * Pupils database or the out-of-sector register, and the mail itself: the school and the file,
 * never a pupil.
 */

import { forbidden } from "../platform/errors.js";
import { enqueueMail } from "../platform/mail/outbox.js";
import { audit } from "./audit.js";
import type { HubContext, Principal } from "./context.js";
import { registerFileMessage } from "./messages.js";
import type { Tx } from "./schema.js";

export async function setRegisterNotices(ctx: HubContext, p: Principal, on: boolean) {
  if (p.role !== "la") throw forbidden("Only local authority staff are told of register files.");
  await ctx.db
    .updateTable("users")
    .set({ notify_register: on })
    .where("id", "=", p.userId)
    .execute();
  await audit(ctx.db, p, { action: "notices.register", detail: { on } });
}

export async function registerNoticesOn(ctx: HubContext, p: Principal): Promise<boolean> {
  const row = await ctx.db
    .selectFrom("users")
    .select("notify_register")
    .where("id", "=", p.userId)
    .executeTakeFirst();
  return row?.notify_register ?? false;
}

/** Tells the sending school's LA users who asked, in the transaction that files it. */
export async function tellLaOfRegisterFile(
  ctx: HubContext,
  trx: Tx,
  row: { id: string; file_name: string; source_laestab: string; source_name: string | null },
  register: "lost" | "outside",
  now: Date,
): Promise<boolean> {
  const users = await trx
    .selectFrom("users")
    .select("email")
    .where("role", "=", "la")
    .where("la_code", "=", row.source_laestab.slice(0, 3))
    .where("notify_register", "=", true)
    .where("disabled", "=", false)
    .execute();
  if (users.length === 0) return false;
  await enqueueMail(
    trx,
    registerFileMessage(
      users.map((u) => u.email),
      { laestab: row.source_laestab, name: row.source_name ?? row.source_laestab },
      { id: row.id, name: row.file_name, deletedOn: null },
      register,
      ctx.config.publicUrl,
    ),
    now,
    row.id,
  );
  return true;
}
