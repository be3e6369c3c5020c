/**
 * Signing in to and out of the school side's pages: the password, then the code (or setting up
 * an authenticator, for a manager who has none yet), and a manager's single-use password link.
 * The steps are the platform's (platform/web/sign-in-steps.ts); what each checks is this app's.
 */
import type { FastifyInstance } from "fastify";
import { clearSessionCookie, sessionTokenOf } from "../../../platform/web/auth.js";
import { registerSignInSteps } from "../../../platform/web/sign-in-steps.js";
import {
  beginMisEnrolment,
  confirmMisEnrolment,
  passwordLinkHolder,
  usePasswordLink,
} from "../../accounts.js";
import type { MisContext } from "../../context.js";
import {
  checkMisCode,
  checkMisPassword,
  completeMisSignIn,
  type MisPasswordChecked,
  misNextStep,
  misSignOut,
  resumeMisSignIn,
} from "../../sessions.js";
import { principalOf } from "../../tokens.js";

export function misSessionPages(app: FastifyInstance, ctx: MisContext): void {
  registerSignInSteps<MisPasswordChecked>(app, {
    clock: ctx.clock,
    checkPassword: (username, password, ip) => checkMisPassword(ctx, username, password, ip),
    resume: (userId, ip) => resumeMisSignIn(ctx, userId, ip),
    userIdOf: (checked) => checked.user.id,
    nextStep: (checked) => misNextStep(ctx, checked),
    checkCode: (checked, code) => checkMisCode(ctx, checked, code),
    complete: async (checked) => (await completeMisSignIn(ctx, checked)).token,
    enrolment: async (userId) => {
      const { username } = await ctx.db
        .selectFrom("users")
        .select("username")
        .where("id", "=", userId)
        .executeTakeFirstOrThrow();
      return beginMisEnrolment(ctx, userId, username);
    },
    confirmEnrolment: (checked, code) =>
      confirmMisEnrolment(ctx, principalOf(checked.user, checked.ip), code),
    linkHolder: (token) => passwordLinkHolder(ctx, token),
    useLink: (token, password) => usePasswordLink(ctx, token, password),
    linkPage: "password-link",
    lostPhone:
      "Ask a manager of your school for a password link. A manager who has lost theirs asks another manager, or the school's IT support, who can make one at the server.",
  });

  app.post("/sign-out", async (request, reply) => {
    const token = sessionTokenOf(request);
    if (token) await misSignOut(ctx, token);
    clearSessionCookie(reply);
    return reply.redirect("/sign-in", 303);
  });
}
