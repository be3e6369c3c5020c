/**
 * Signing in (password, then a second factor's code, or setting one up at first sign-in; a
 * sign-in link to choose a password) and signing out. The steps are the platform's
 * (platform/web/sign-in-steps.ts); what each checks is the hub's.
 */
import type { FastifyInstance } from "fastify";
import { inTransaction } from "../../../platform/change.js";
import { clearSessionCookie, sessionTokenOf } from "../../../platform/web/auth.js";
import { registerSignInSteps } from "../../../platform/web/sign-in-steps.js";
import type { HubContext } from "../../context.js";
import { beginEnrolment, confirmEnrolment, pendingEnrolment } from "../../second-factor.js";
import {
  checkCode,
  checkPassword,
  completeSignIn,
  nextStep,
  type PasswordChecked,
  resumeSignIn,
  signOut,
} from "../../sign-in.js";
import { signInLinkHolder, useSignInLink } from "../../sign-in-links.js";
import { signedInAs } from "../principal.js";

export function sessionPages(app: FastifyInstance, ctx: HubContext): void {
  registerSignInSteps<PasswordChecked>(app, {
    clock: ctx.clock,
    checkPassword: (username, password, ip) => checkPassword(ctx, username, password, ip),
    resume: (userId, ip) => resumeSignIn(ctx, userId, ip),
    userIdOf: (checked) => checked.user.id,
    nextStep: (checked) => nextStep(ctx, checked),
    checkCode: (checked, code) => checkCode(ctx, checked, code),
    complete: (checked) => completeSignIn(ctx, checked),
    enrolment: async (userId) => {
      const { username } = await ctx.db
        .selectFrom("users")
        .select("username")
        .where("id", "=", userId)
        .executeTakeFirstOrThrow();
      return (
        (await pendingEnrolment(ctx, userId, username)) ??
        (await beginEnrolment(ctx, userId, username))
      );
    },
    confirmEnrolment: (checked, code) =>
      inTransaction(ctx, ({ trx }) =>
        confirmEnrolment(ctx, trx, checked.principal, checked.user.id, code),
      ),
    linkHolder: (token) => signInLinkHolder(ctx, token),
    useLink: (token, password) => useSignInLink(ctx, token, password),
    linkPage: "sign-in-link",
  });

  app.post("/sign-out", async (request, reply) => {
    await signOut(ctx, sessionTokenOf(request), signedInAs(request));
    clearSessionCookie(reply);
    return reply.redirect("/sign-in?signedOut=1", 303);
  });
}
