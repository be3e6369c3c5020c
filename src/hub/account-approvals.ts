/**
 * An account an administrator makes at a school or LA opens only when that organisation approves
 * it: otherwise an administrator could make one with an address they control and read the
 * organisation's pupils (an outside test did). Approval comes from one of the organisation's
 * users, from its notice address by a single-use link, or, while it has no users, from a second
 * administrator. Until then the account is disabled and no sign-in link has been sent; once
 * approved, its user is e-mailed the link to choose a password. Declined, it is deleted.
 */

import { inTransaction } from "../platform/change.js";
import { AppError, isId } from "../platform/errors.js";
import { enqueueMail } from "../platform/mail/outbox.js";
import { audit } from "./audit.js";
import type { HubContext, Principal } from "./context.js";
import { newSecret, sha256 } from "./credentials.js";
import { approvalAskedMessage } from "./messages.js";
import { organisationName } from "./organisation-names.js";
import { type Approver, canDecideApproval } from "./policies/accounts.js";
import type { Db, Tx } from "./schema.js";
import { issueSignInLink } from "./sign-in-links.js";

/** How long the notice address's link works; the organisation's users may approve after it. */
export const APPROVAL_LINK_DAYS = 7;

export interface AccountToApprove {
  id: string;
  username: string;
  email: string;
  role: "school" | "la";
  establishment: string | null;
  la_code: string | null;
}

/** The school or LA an account is for, by name with its number. */
const organisationOfAccount = (db: Db | Tx, a: AccountToApprove) =>
  organisationName(db, { role: a.role, establishment: a.establishment, laCode: a.la_code });

/** The organisation's own notice address (a school's or LA's), when it has one. */
async function noticeAddress(db: Db | Tx, user: AccountToApprove): Promise<string | null> {
  const row =
    user.role === "la"
      ? await db
          .selectFrom("local_authorities")
          .select("email")
          .where("code", "=", user.la_code ?? "")
          .executeTakeFirst()
      : await db
          .selectFrom("establishments")
          .select("email")
          .where("laestab", "=", user.establishment ?? "")
          .executeTakeFirst();
  return row?.email ?? null;
}

/** The organisation's users who can approve: active, not themselves waiting. */
function organisationUsers(db: Db | Tx, user: AccountToApprove) {
  return db
    .selectFrom("users")
    .select(["id", "email"])
    .where("role", "=", user.role)
    .where(
      user.role === "la" ? "la_code" : "establishment",
      "=",
      (user.role === "la" ? user.la_code : user.establishment) ?? "",
    )
    .where("disabled", "=", false)
    .where("id", "!=", user.id)
    .execute();
}

/**
 * Asks the organisation to approve a new account, in the transaction that made it: a link to
 * its notice address, a message to its users, or (no users) to the other administrators.
 */
export async function askApproval(
  ctx: HubContext,
  trx: Tx,
  requestedBy: Principal,
  user: AccountToApprove,
): Promise<void> {
  const now = ctx.clock();
  const token = newSecret("");
  await trx
    .insertInto("account_approvals")
    .values({
      user_id: user.id,
      requested_by: requestedBy.userId,
      token_hash: sha256(token),
      expires_at: new Date(now.getTime() + APPROVAL_LINK_DAYS * 86_400_000),
    })
    .execute();
  const url = ctx.config.publicUrl;
  const organisation = await organisationOfAccount(trx, user);
  const about = { username: user.username, email: user.email, organisation, url };
  const notice = await noticeAddress(trx, user);
  if (notice)
    await enqueueMail(
      trx,
      approvalAskedMessage([notice], { ...about, link: `${url}/approve-account/${token}` }),
      now,
    );
  const colleagues = (await organisationUsers(trx, user)).map((u) => u.email);
  const admins =
    colleagues.length > 0
      ? []
      : await trx
          .selectFrom("users")
          .select("email")
          .where("role", "=", "admin")
          .where("disabled", "=", false)
          .where("id", "!=", requestedBy.userId)
          .execute();
  const signedIn = [...colleagues, ...admins.map((a) => a.email)].filter((a) => a !== notice);
  if (signedIn.length > 0)
    await enqueueMail(
      trx,
      approvalAskedMessage(signedIn, { ...about, link: `${url}/approvals` }),
      now,
    );
}

/** A waiting account's row as `pendingRows` reads it (its role is never admin's). */
type PendingRow = AccountToApprove & { requested_by: string; created_at: Date };

const pendingRows = (db: Db | Tx) =>
  db
    .selectFrom("account_approvals as a")
    .innerJoin("users as u", "u.id", "a.user_id")
    .select([
      "u.id",
      "u.username",
      "u.email",
      "u.role",
      "u.establishment",
      "u.la_code",
      "a.requested_by",
      "a.created_at",
    ])
    .where("u.awaiting_approval", "=", true);

/** A waiting account as its approvers see it. */
async function waitingView(db: Db | Tx, r: PendingRow) {
  return {
    id: r.id,
    username: r.username,
    email: r.email,
    role: r.role,
    organisation: await organisationOfAccount(db, r),
    requestedAt: r.created_at.toISOString(),
  };
}

/** Whether `actor` may decide on this account, and as whom (an administrator: no users yet). */
async function approverOf(
  db: Db | Tx,
  actor: Principal,
  row: AccountToApprove & { requested_by: string },
) {
  const hasUsers = (await organisationUsers(db, row)).length > 0;
  return canDecideApproval(actor, { ...row, requestedBy: row.requested_by, hasUsers });
}

/** The accounts waiting for this user's approval. */
export async function approvalsFor(ctx: HubContext, actor: Principal) {
  let query = pendingRows(ctx.db);
  if (actor.role === "school")
    query = query.where("u.establishment", "=", actor.establishment ?? "");
  else if (actor.role === "la")
    query = query.where("u.role", "=", "la").where("u.la_code", "=", actor.laCode ?? "");
  const rows = await query.orderBy("a.created_at").execute();
  const mine = [];
  for (const row of rows as PendingRow[])
    if (await approverOf(ctx.db, actor, row)) mine.push(await waitingView(ctx.db, row));
  return mine;
}

/** The account a notice address's link is about, while the link works. */
export async function approvalByLink(ctx: HubContext, token: string) {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
  const row = await pendingRows(ctx.db)
    .where("a.token_hash", "=", sha256(token))
    .where("a.expires_at", ">", ctx.clock())
    .executeTakeFirst();
  return row && waitingView(ctx.db, row as PendingRow);
}

export type Decision = "approve" | "decline";

/**
 * Approves (the user is e-mailed their sign-in link) or declines (the account is deleted) an
 * account, by a signed-in approver or by the notice address's link.
 */
export async function decideApproval(
  ctx: HubContext,
  by: { actor: Principal } | { link: string },
  userId: string,
  decision: Decision,
): Promise<{ username: string }> {
  if (!isId(userId)) throw new AppError("not-found");
  return inTransaction(ctx, async ({ trx, notice, mailQueued }) => {
    const row = (await pendingRows(trx)
      .where("u.id", "=", userId)
      .forUpdate()
      .executeTakeFirst()) as PendingRow | undefined;
    if (!row) throw new AppError("not-found", "No account waits for approval there.");
    let approver: Approver;
    if ("link" in by) {
      const link = await trx
        .selectFrom("account_approvals")
        .select("user_id")
        .where("token_hash", "=", sha256(by.link))
        .where("expires_at", ">", ctx.clock())
        .executeTakeFirst();
      if (link?.user_id !== userId)
        throw new AppError("form.expired", "This link has expired or been used.");
      approver = "notice address";
    } else {
      const may = await approverOf(trx, by.actor, row);
      if (!may) throw new AppError("forbidden");
      approver = may;
    }
    const actor = "actor" in by ? by.actor : null;
    const detail = { username: row.username, by: approver };
    if (decision === "decline") {
      await trx.deleteFrom("users").where("id", "=", userId).execute();
      await audit(trx, actor, { action: "user.decline", target: `user:${userId}`, detail });
      return { username: row.username };
    }
    await trx.deleteFrom("account_approvals").where("user_id", "=", userId).execute();
    await trx
      .updateTable("users")
      .set({ awaiting_approval: false, disabled: false })
      .where("id", "=", userId)
      .execute();
    await audit(trx, actor, { action: "user.approve", target: `user:${userId}`, detail });
    await issueSignInLink(ctx, trx, actor, { id: row.id, email: row.email }, "welcome");
    mailQueued();
    notice("principals");
    return { username: row.username };
  });
}
