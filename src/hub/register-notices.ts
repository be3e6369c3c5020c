/**
 * An LA user's choice to be e-mailed when a file from one of the LA's schools goes to the Lost
 * Pupils database or the out-of-sector register, and the mail itself: the school and the file,
 * never a pupil.
 */

import { sql } from "kysely";
import { inTransaction } from "../platform/change.js";
import { forbidden } from "../platform/errors.js";
import { enqueueMail } from "../platform/mail/outbox.js";
import { audit } from "./audit.js";
import type { HubContext, Principal } from "./context.js";
import { findEstablishment } from "./establishments.js";
import { registerAccessMessage, registerFileMessage, type School } from "./messages.js";
import { signedInAs } from "./organisation-names.js";
import { inRegister, type TransferFacts } from "./policies/transfers.js";
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

/** An LA's active users: those who asked to be told of register files, or all of them. */
export function laUsers(trx: Tx, laCode: string, o: { onlyNotified: boolean }) {
  let query = trx
    .selectFrom("users")
    .select("email")
    .where("role", "=", "la")
    .where("la_code", "=", laCode)
    .where("disabled", "=", false);
  if (o.onlyNotified) query = query.where("notify_register", "=", true);
  return query.execute();
}

/** Tells the sending school's LA users who asked, in the transaction that files it. */
export async function tellLaOfRegisterFile(
  ctx: HubContext,
  trx: Tx,
  row: { id: string; file_name: string; source_laestab: string; source_name: string | null },
  register: "lost" | "outside",
  now: Date,
): Promise<boolean> {
  const users = await laUsers(trx, row.source_laestab.slice(0, 3), { onlyNotified: true });
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

type RegisterFile = Pick<TransferFacts, "source_laestab" | "dest_kind" | "status"> & {
  id: string;
  file_name: string;
};

/** Another LA than the one whose school sent this register file. */
function byAnotherLa(
  p: Principal,
  row: RegisterFile,
): row is RegisterFile & {
  dest_kind: "lost" | "outside";
} {
  return p.role === "la" && inRegister(row) && p.laCode !== row.source_laestab.slice(0, 3);
}

/**
 * Tells the sending school's LA of another LA's hand on one of its register files: a file there
 * is a missing child's only trail, and it is the sending school's LA's to keep. A pass-on is told
 * every time, in its own transaction; looks, the first by each LA in a day (every look is in the
 * file's history), so that a search session does not become a flood of mail.
 */
export async function tellKeeper(
  ctx: HubContext,
  trx: Tx,
  p: Principal,
  row: RegisterFile,
  passedOnTo?: School,
): Promise<boolean> {
  if (!byAnotherLa(p, row)) return false;
  if (!passedOnTo) {
    const told = await trx
      .selectFrom("audit_events")
      .select("id")
      .where("action", "=", "register.access-told")
      .where("target", "=", `transfer:${row.id}`)
      .where(sql<string>`detail->>'la'`, "=", p.laCode)
      .where("at", ">", sql<Date>`now() - interval '1 day'`)
      .executeTakeFirst();
    if (told) return false;
  }
  const keeper = row.source_laestab.slice(0, 3);
  const users = await laUsers(trx, keeper, { onlyNotified: false });
  await audit(trx, null, {
    action: "register.access-told",
    target: `transfer:${row.id}`,
    detail: { la: p.laCode, to: keeper, users: users.length, passedOn: Boolean(passedOnTo) },
  });
  if (users.length === 0) return false;
  const school = await findEstablishment(trx, row.source_laestab);
  const now = ctx.clock();
  await enqueueMail(
    trx,
    registerAccessMessage(
      users.map((u) => u.email),
      school ?? { laestab: row.source_laestab, name: row.source_laestab },
      { id: row.id, name: row.file_name, deletedOn: null },
      row.dest_kind,
      await signedInAs(trx, p),
      { ...(passedOnTo ? { passedOnTo } : {}) },
      ctx.config.publicUrl,
    ),
    now,
    row.id,
  );
  return true;
}

/** After a look at a register file's pupils: tells its keeper, if the look was another LA's. */
export async function tellKeeperOfLook(ctx: HubContext, p: Principal, row: RegisterFile) {
  if (!byAnotherLa(p, row)) return;
  await inTransaction(ctx, async (change) => {
    if (await tellKeeper(ctx, change.trx, p, row)) change.mailQueued();
  });
}
