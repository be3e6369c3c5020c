/**
 * Signing in (password, then a second factor's code, or setting one up at first sign-in) and
 * signing out.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { inTransaction } from "../../../platform/change.js";
import { AppError } from "../../../platform/errors.js";
import {
  clearSessionCookie,
  sessionTokenOf,
  setSessionCookie,
} from "../../../platform/web/auth.js";
import {
  type FieldError,
  fieldError,
  formOf,
  localPath,
  param,
  queryParam,
  signInForm,
} from "../../../platform/web/forms.js";
import { keyView } from "../../../platform/web/key-view.js";
import {
  clearPendingSignIn,
  pendingSignIn,
  setPendingSignIn,
} from "../../../platform/web/pending-sign-in.js";
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

const withNext = (path: string, next: string) =>
  next === "/" ? path : `${path}?next=${encodeURIComponent(next)}`;

export function sessionPages(app: FastifyInstance, ctx: HubContext): void {
  async function finish(request: FastifyRequest, reply: FastifyReply, checked: PasswordChecked) {
    const session = await completeSignIn(ctx, checked);
    clearPendingSignIn(request, reply);
    setSessionCookie(reply, session);
  }

  /** The half-signed-in user of this browser, or back to the first step. */
  function pendingOrRestart(request: FastifyRequest, reply: FastifyReply) {
    const userId = pendingSignIn(request, ctx.clock());
    if (!userId) {
      reply.redirect("/sign-in?expired=1", 303);
      return undefined;
    }
    return userId;
  }

  app.get("/sign-in", async (request, reply) => {
    if (signedInAs(request)) return reply.redirect("/", 303);
    const next = localPath(queryParam(request, "next"));
    const expired = queryParam(request, "expired") === "1";
    return reply.page("sign-in", {
      title: "Sign in",
      next,
      values: {},
      notice: expired ? { text: "That took too long. Sign in again." } : undefined,
    });
  });

  app.post("/sign-in", { onRequest: app.signInLimit }, async (request, reply) => {
    const { form, next, errors } = signInForm(request);
    if (errors.length === 0) {
      try {
        const checked = await checkPassword(
          ctx,
          form.username?.trim() ?? "",
          form.password ?? "",
          request.ip,
        );
        const step = await nextStep(ctx, checked);
        if (step === "done") {
          await finish(request, reply, checked);
          return reply.redirect(next, 303);
        }
        setPendingSignIn(request, reply, checked.user.id, ctx.clock());
        return reply.redirect(withNext(`/sign-in/${step}`, next), 303);
      } catch (e) {
        if (!(e instanceof AppError) || !e.code.startsWith("auth.")) throw e;
        errors.push(fieldError("username", e.message));
        reply.status(e.status);
      }
    }
    return reply.page("sign-in", {
      title: "Sign in",
      next,
      errors,
      values: { username: form.username ?? "" },
    });
  });

  app.get("/sign-in/code", async (request, reply) => {
    if (!pendingOrRestart(request, reply)) return reply;
    const next = localPath(queryParam(request, "next"));
    return reply.page("sign-in-code", { title: "Enter your security code", next });
  });

  app.post("/sign-in/code", { onRequest: app.signInLimit }, async (request, reply) => {
    const userId = pendingOrRestart(request, reply);
    if (!userId) return reply;
    const form = formOf(request);
    const next = localPath(form.next);
    let error: FieldError;
    if (!form.code?.trim()) error = fieldError("code", "Enter the code from your app");
    else
      try {
        const checked = await resumeSignIn(ctx, userId, request.ip);
        await checkCode(ctx, checked, form.code);
        await finish(request, reply, checked);
        return reply.redirect(next, 303);
      } catch (e) {
        if (!(e instanceof AppError) || !e.code.startsWith("auth.")) throw e;
        if (e.code === "auth.required") return reply.redirect("/sign-in?expired=1", 303);
        error = fieldError("code", e.message);
        reply.status(e.status);
      }
    return reply.page("sign-in-code", {
      title: "Enter your security code",
      next,
      errors: [error],
    });
  });

  app.get("/sign-in/set-up", async (request, reply) => {
    const userId = pendingOrRestart(request, reply);
    if (!userId) return reply;
    const next = localPath(queryParam(request, "next"));
    const user = await resumeSignInView(userId);
    const key =
      (await pendingEnrolment(ctx, userId, user.username)) ??
      (await beginEnrolment(ctx, userId, user.username));
    return reply.page("second-factor-set-up", {
      title: "Set up a second factor",
      action: "/sign-in/set-up",
      atSignIn: true,
      next,
      ...keyView(key),
    });
  });

  app.post("/sign-in/set-up", { onRequest: app.signInLimit }, async (request, reply) => {
    const userId = pendingOrRestart(request, reply);
    if (!userId) return reply;
    const form = formOf(request);
    const next = localPath(form.next);
    try {
      const checked = await resumeSignIn(ctx, userId, request.ip);
      const codes = await inTransaction(ctx, ({ trx }) =>
        confirmEnrolment(ctx, trx, checked.principal, userId, form.code ?? ""),
      );
      await finish(request, reply, checked);
      return reply.page("recovery-codes", { title: "Your recovery codes", codes, next });
    } catch (e) {
      if (!(e instanceof AppError) || e.status >= 500) throw e;
      if (e.code === "auth.required" || e.code === "form.expired")
        return reply.redirect("/sign-in?expired=1", 303);
      const user = await resumeSignInView(userId);
      const key = await pendingEnrolment(ctx, userId, user.username);
      if (!key) return reply.redirect("/sign-in?expired=1", 303);
      return reply.status(e.status).page("second-factor-set-up", {
        title: "Set up a second factor",
        action: "/sign-in/set-up",
        atSignIn: true,
        next,
        errors: [fieldError("code", e.message)],
        ...keyView(key),
      });
    }
  });

  async function resumeSignInView(userId: string) {
    return ctx.db
      .selectFrom("users")
      .select("username")
      .where("id", "=", userId)
      .executeTakeFirstOrThrow();
  }

  // A sign-in link from an e-mail: the holder chooses a password, then goes on as after one.
  app.get("/sign-in/link/:token", async (request, reply) => {
    const holder = await signInLinkHolder(ctx, param(request, "token"));
    if (!holder) return reply.status(410).page("sign-in-link", { title: "Link expired" });
    return reply.page("sign-in-link", {
      title: "Choose your password",
      holder,
      action: request.url.split("?")[0],
    });
  });

  app.post("/sign-in/link/:token", { onRequest: app.signInLimit }, async (request, reply) => {
    const token = param(request, "token");
    const holder = await signInLinkHolder(ctx, token);
    if (!holder) return reply.status(410).page("sign-in-link", { title: "Link expired" });
    const form = formOf(request);
    let error: FieldError | undefined;
    if (!form.password) error = fieldError("password", "Enter a password");
    else if (form.password !== form.confirm)
      error = fieldError("confirm", "The passwords do not match");
    if (!error)
      try {
        const userId = await useSignInLink(ctx, token, form.password ?? "");
        const checked = await resumeSignIn(ctx, userId, request.ip);
        const step = await nextStep(ctx, checked);
        if (step === "done") {
          await finish(request, reply, checked);
          return reply.redirect("/", 303);
        }
        setPendingSignIn(request, reply, userId, ctx.clock());
        return reply.redirect(`/sign-in/${step}`, 303);
      } catch (e) {
        if (!(e instanceof AppError) || e.status >= 500) throw e;
        error = fieldError(e.field ?? "password", e.message);
      }
    return reply.status(400).page("sign-in-link", {
      title: "Choose your password",
      holder,
      action: request.url.split("?")[0],
      errors: [error],
    });
  });

  app.post("/sign-out", async (request, reply) => {
    await signOut(ctx, sessionTokenOf(request), signedInAs(request));
    clearSessionCookie(reply);
    return reply.redirect("/sign-in?signedOut=1", 303);
  });
}
