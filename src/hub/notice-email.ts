/**
 * A school's notice e-mail, where its file notices go. An administrator may ask for a new one,
 * but it takes effect only when the new address confirms by a link e-mailed to it (7 days, once),
 * and the address in use hears of the request and of the change, so that nobody can quietly
 * redirect a school's notices. Clearing it (notices then go to each of the school's users) takes
 * effect at once, and is told too.
 */

import { EMAIL } from "../platform/accounts/account-names.js";
import { inTransaction } from "../platform/change.js";
import { AppError, invalid } from "../platform/errors.js";
import { enqueueMail } from "../platform/mail/outbox.js";
import { audit } from "./audit.js";
import type { HubContext, Principal } from "./context.js";
import { newSecret, sha256 } from "./credentials.js";
import { findEstablishment, notificationAddresses } from "./establishments.js";
import { confirmNoticeEmailMessage, noticeEmailChangingMessage } from "./messages.js";
import { canEditDirectory } from "./policies/service.js";

const DAYS = 7;

export type NoticeEmailRequest = { pending: true; confirmationSentTo: string } | { pending: false };

export async function requestNoticeEmail(
  ctx: HubContext,
  actor: Principal,
  laestab: string,
  email: string | null,
): Promise<NoticeEmailRequest> {
  if (!canEditDirectory(actor)) throw new AppError("forbidden");
  if (email !== null && !EMAIL.test(email))
    throw invalid("That is not an e-mail address.", "email");
  const school = await findEstablishment(ctx.db, laestab);
  if (!school) throw new AppError("not-found");
  if (email !== null && email.toLowerCase() === school.email?.toLowerCase())
    throw invalid("That is already the address for this school's file notices.", "email");
  const now = ctx.clock();
  const url = ctx.config.publicUrl;
  return inTransaction(ctx, async ({ trx, mailQueued }) => {
    const before = await notificationAddresses(trx, laestab);
    await trx
      .updateTable("notice_email_changes")
      .set({ voided_at: now })
      .where("laestab", "=", laestab)
      .where("confirmed_at", "is", null)
      .where("voided_at", "is", null)
      .execute();
    if (email === null) {
      await trx
        .updateTable("establishments")
        .set({ email: null })
        .where("laestab", "=", laestab)
        .execute();
      await audit(trx, actor, {
        action: "establishment.update",
        target: `establishment:${laestab}`,
        detail: { email: null },
      });
      await enqueueMail(trx, noticeEmailChangingMessage(before, school, null, true, url), now);
      mailQueued();
      return { pending: false };
    }
    const token = newSecret("");
    await trx
      .insertInto("notice_email_changes")
      .values({
        token_hash: sha256(token),
        laestab,
        email,
        requested_by: actor.userId,
        created_at: now,
        expires_at: new Date(now.getTime() + DAYS * 86_400_000),
      })
      .execute();
    const link = `${url}/confirm-email/${token}`;
    await enqueueMail(trx, confirmNoticeEmailMessage(email, school, link, url), now);
    await enqueueMail(trx, noticeEmailChangingMessage(before, school, email, false, url), now);
    mailQueued();
    await audit(trx, actor, {
      action: "establishment.email-requested",
      target: `establishment:${laestab}`,
      detail: { email },
    });
    return { pending: true, confirmationSentTo: email };
  });
}

/** The change a link asks to confirm, while it may still be. */
export async function pendingNoticeEmail(ctx: HubContext, token: string) {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
  return ctx.db
    .selectFrom("notice_email_changes as c")
    .innerJoin("establishments as e", "e.laestab", "c.laestab")
    .select(["c.laestab", "c.email", "e.name"])
    .where("c.token_hash", "=", sha256(token))
    .where("c.confirmed_at", "is", null)
    .where("c.voided_at", "is", null)
    .where("c.expires_at", ">", ctx.clock())
    .executeTakeFirst();
}

/** The new address confirms: the change is made, and the address it replaces is told. */
export async function confirmNoticeEmail(ctx: HubContext, token: string) {
  const change = await pendingNoticeEmail(ctx, token);
  if (!change)
    throw new AppError("form.expired", "This link has expired or been used. Ask for a new one.");
  const now = ctx.clock();
  await inTransaction(ctx, async ({ trx, mailQueued }) => {
    const spent = await trx
      .updateTable("notice_email_changes")
      .set({ confirmed_at: now })
      .where("token_hash", "=", sha256(token))
      .where("confirmed_at", "is", null)
      .where("voided_at", "is", null)
      .executeTakeFirst();
    if (spent.numUpdatedRows === 0n)
      throw new AppError("form.expired", "This link has expired or been used. Ask for a new one.");
    const before = await notificationAddresses(trx, change.laestab);
    await trx
      .updateTable("establishments")
      .set({ email: change.email })
      .where("laestab", "=", change.laestab)
      .execute();
    const school = { laestab: change.laestab, name: change.name };
    await enqueueMail(
      trx,
      noticeEmailChangingMessage(before, school, change.email, true, ctx.config.publicUrl),
      now,
    );
    mailQueued();
    await audit(trx, null, {
      action: "establishment.email-confirmed",
      target: `establishment:${change.laestab}`,
      detail: { email: change.email },
    });
  });
  return change;
}
