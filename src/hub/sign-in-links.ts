/**
 * The hub's sign-in links (the mechanism is platform/accounts/sign-in-links.ts): how an account
 * is opened or recovered without an administrator ever knowing its password. A link is e-mailed
 * to the user and works once within 24 hours; a reset may also clear a lost phone's second
 * factor, to be set up again.
 */

import { checkNewPassword, hashPassword } from "../platform/accounts/passwords.js";
import { issueLink, linkHolder, spendLink } from "../platform/accounts/sign-in-links.js";
import { inTransaction } from "../platform/change.js";
import { AppError } from "../platform/errors.js";
import { enqueueMail } from "../platform/mail/outbox.js";
import { audit } from "./audit.js";
import type { HubContext, Principal } from "./context.js";
import { signInLinkMessage } from "./messages.js";
import type { Tx } from "./schema.js";

const HOURS = 24;

export interface LinkFor {
  id: string;
  email: string;
}

/** Makes a link for a user and queues its e-mail, inside the caller's transaction. */
export async function issueSignInLink(
  ctx: HubContext,
  trx: Tx,
  actor: Principal | null,
  user: LinkFor,
  purpose: "welcome" | "reset",
  resetSecondFactor = false,
): Promise<void> {
  const now = ctx.clock();
  const { token } = await issueLink(
    trx,
    { userId: user.id, purpose, resetSecondFactor, hours: HOURS },
    now,
  );
  const link = `${ctx.config.publicUrl}/sign-in/link/${token}`;
  await enqueueMail(
    trx,
    signInLinkMessage(user.email, purpose, link, resetSecondFactor, ctx.config.publicUrl),
    now,
  );
  await audit(trx, actor, {
    action: "sign-in-link.issue",
    target: `user:${user.id}`,
    detail: { purpose, resetSecondFactor },
  });
}

/** Whom a link is for, while it may still be used. */
export const signInLinkHolder = (ctx: HubContext, token: string) =>
  linkHolder(ctx.db, token, ctx.clock());

/**
 * Spends a link on a new password (and, for a lost phone, clears the old second factor). Returns
 * the user's id; the caller then signs them in as after a right password.
 */
export async function useSignInLink(
  ctx: HubContext,
  token: string,
  password: string,
): Promise<string> {
  const holder = await signInLinkHolder(ctx, token);
  if (!holder) throw linkExpired();
  checkNewPassword(password, holder.username);
  const passwordHash = await hashPassword(password);
  await inTransaction(ctx, async ({ trx, notice }) => {
    if (!(await spendLink(trx, token, holder, passwordHash, ctx.clock()))) throw linkExpired();
    await audit(trx, null, {
      action: "sign-in-link.use",
      username: holder.username,
      target: `user:${holder.userId}`,
      detail: { purpose: holder.purpose, resetSecondFactor: holder.reset_second_factor },
    });
    notice("principals");
  });
  return holder.userId;
}

function linkExpired(): AppError {
  return new AppError(
    "form.expired",
    "This sign-in link has expired or been used. Ask your service administrator for a new one.",
  );
}
