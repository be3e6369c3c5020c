/** Reading transfers: one file, an inbox, who is in a file (what was sent: transfer-list.ts). */
import { AppError, forbidden, notFound, requireId } from "../platform/errors.js";
import { audit } from "./audit.js";
import type { HubContext, Principal } from "./context.js";
import { canReadPupils, canSeeTransfer, isReceiver } from "./policies/transfers.js";
import { tellKeeperOfLook } from "./register-notices.js";
import { type InboxEntry, type NamedRow, viewWith, withNames } from "./transfer-view.js";

/** Loads a transfer the principal may see; one they may not see does not exist for them. */
export async function visible(ctx: HubContext, p: Principal, id: string): Promise<NamedRow> {
  const row = await withNames(ctx.db).where("transfers.id", "=", requireId(id)).executeTakeFirst();
  if (!row || !canSeeTransfer(p, row)) throw notFound();
  return row;
}

export function viewOf(p: Principal, row: NamedRow) {
  return viewWith(row, canReadPupils(p, row));
}

/**
 * One file as this principal may see it; a look at one holding pupil data is audited. A file
 * still being checked holds none yet (no findings, no pupils), and the send page asks for it
 * every second until it is checked: those looks are not audited.
 */
export async function getTransfer(ctx: HubContext, p: Principal, id: string) {
  const row = await visible(ctx, p, id);
  const view = viewOf(p, row);
  if (row.status !== "checking" && canReadPupils(p, row)) {
    await audit(ctx.db, p, { action: "transfer.view", target: `transfer:${row.id}` });
    await tellKeeperOfLook(ctx, p, row);
  }
  return view;
}

export async function listInbox(ctx: HubContext, p: Principal) {
  let dest: string;
  if (p.role === "school" && p.establishment) dest = p.establishment;
  else if (p.role === "la" && p.laCode) dest = `${p.laCode}LLLL`;
  else return [];
  const load = async (): Promise<InboxEntry[]> => {
    const rows = await withNames(ctx.db)
      .where("transfers.status", "in", ["available", "downloaded"])
      .where("transfers.dest_laestab", "=", dest)
      .orderBy("transfers.created_at", "asc")
      .execute();
    return rows.map((row) => ({ row, view: viewWith(row, true) }));
  };
  const entries = (ctx.caches ? await ctx.caches.inboxes.get(dest, load) : await load()) ?? [];
  // Policies are asked on every request, cached or not.
  return entries
    .filter((e) => isReceiver(p, e.row))
    .map((e) => (canReadPupils(p, e.row) ? e.view : viewOf(p, e.row)));
}

export const PUPILS_PAGE_SIZE = 100;

/** Who is in a file, a page at a time (a file can hold thousands); each look is audited. */
export async function listPupils(ctx: HubContext, p: Principal, id: string, page = 1) {
  const row = await visible(ctx, p, id);
  if (row.status === "removed" || row.status === "expired")
    throw new AppError(
      "transfer.state",
      `This file ${row.status === "removed" ? "has been removed" : "has expired"}: the pupils in it are deleted.`,
    );
  if (!canReadPupils(p, row))
    throw forbidden("You may see this file's details but not the pupils in it.");
  const at = Math.max(1, Math.floor(page));
  const pupils = await ctx.db
    .selectFrom("transfer_pupils")
    .select(["position", "upn", "surname", "forename", "dob", "sex", "nc_year"])
    .where("transfer_id", "=", row.id)
    .where("position", ">", (at - 1) * PUPILS_PAGE_SIZE)
    .orderBy("position")
    .limit(PUPILS_PAGE_SIZE)
    .execute();
  await audit(ctx.db, p, {
    action: "pupils.view",
    target: `transfer:${row.id}`,
    detail: { pupils: pupils.length, page: at },
  });
  await tellKeeperOfLook(ctx, p, row);
  return {
    pupils: pupils.map((x) => ({
      position: x.position,
      upn: x.upn,
      surname: x.surname,
      forename: x.forename,
      dob: x.dob,
      sex: x.sex,
      ncYear: x.nc_year,
    })),
    page: at,
    pages: Math.max(1, Math.ceil(row.pupil_count / PUPILS_PAGE_SIZE)),
    total: row.pupil_count,
  };
}
