/**
 * Sign-in links: how an account is opened or recovered without an administrator ever knowing its
 * password. A link is e-mailed to the user, works once within 24 hours, and lets its holder
 * choose a password; a reset may also clear a lost phone's second factor, to be set up again.
 * Only its hash is stored, and a newer link voids older ones.
 */

import { checkNewPassword, hashPassword } from "../platform/accounts/passwords.js";
import { clearAttempts } from "../platform/accounts/sign-in-attempts.js";
import { inTransaction } from "../platform/change.js";
import { AppError } from "../platform/errors.js";
import { enqueueMail } from "../platform/mail/outbox.js";
import { audit } from "./audit.js";
import type { HubContext, Principal } from "./context.js";
import { newSecret, sha256 } from "./credentials.js";
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
  const token = newSecret("");
  await trx
    .updateTable("sign_in_links")
    .set({ used_at: now })
    .where("user_id", "=", user.id)
    .where("used_at", "is", null)
    .execute();
  await trx
    .insertInto("sign_in_links")
    .values({
      token_hash: sha256(token),
      user_id: user.id,
      purpose,
      reset_second_factor: resetSecondFactor,
      created_at: now,
      expires_at: new Date(now.getTime() + HOURS * 3600_000),
    })
    .execute();
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
export async function signInLinkHolder(ctx: HubContext, token: string) {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
  return ctx.db
    .selectFrom("sign_in_links as l")
    .innerJoin("users as u", "u.id", "l.user_id")
    .select(["u.id as userId", "u.username", "l.purpose", "l.reset_second_factor"])
    .where("l.token_hash", "=", sha256(token))
    .where("l.used_at", "is", null)
    .where("l.expires_at", ">", ctx.clock())
    .where("u.disabled", "=", false)
    .executeTakeFirst();
}

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
  const now = ctx.clock();
  await inTransaction(ctx, async ({ trx, notice }) => {
    const spent = await trx
      .updateTable("sign_in_links")
      .set({ used_at: now })
      .where("token_hash", "=", sha256(token))
      .where("used_at", "is", null)
      .where("expires_at", ">", now)
      .executeTakeFirst();
    // Used at the same moment in another tab: only one wins.
    if (spent.numUpdatedRows === 0n) throw linkExpired();
    await trx
      .updateTable("users")
      .set({
        password_hash: passwordHash,
        must_change_password: false,
        ...(holder.reset_second_factor
          ? { totp_secret: null, totp_pending: null, totp_last_step: null }
          : {}),
      })
      .where("id", "=", holder.userId)
      .execute();
    if (holder.reset_second_factor)
      await trx.deleteFrom("recovery_codes").where("user_id", "=", holder.userId).execute();
    await clearAttempts(trx, holder.username);
    await trx.deleteFrom("sessions").where("user_id", "=", holder.userId).execute();
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
