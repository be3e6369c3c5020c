/**
 * Signing in to and out of the school side's pages: the password, then the code (or setting up
 * an authenticator, for a manager who has none yet), then, for a password someone else set or
 * saw, the page to choose one's own; and a manager's single-use password link.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
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

const withNext = (path: string, next: string) =>
  next === "/" ? path : `${path}?next=${encodeURIComponent(next)}`;

const LOST_PHONE =
  "Ask a manager of your school for a password link. A manager who has lost theirs asks another manager, or the school's IT support, who can make one at the server.";

export function misSessionPages(app: FastifyInstance, ctx: MisContext): void {
  async function finish(request: FastifyRequest, reply: FastifyReply, checked: MisPasswordChecked) {
    const session = await completeMisSignIn(ctx, checked);
    clearPendingSignIn(request, reply);
    setSessionCookie(reply, session.token);
  }

  function pendingOrRestart(request: FastifyRequest, reply: FastifyReply) {
    const userId = pendingSignIn(request, ctx.clock());
    if (!userId) reply.redirect("/sign-in?expired=1", 303);
    return userId;
  }

  app.get("/sign-in", async (request, reply) => {
    if (request.principal) return reply.redirect("/", 303);
    return reply.page("sign-in", {
      title: "Sign in",
      next: localPath(queryParam(request, "next")),
      values: {},
      ...(queryParam(request, "expired") === "1"
        ? { notice: { text: "That took too long. Sign in again." } }
        : {}),
    });
  });

  app.post("/sign-in", { onRequest: app.signInLimit }, async (request, reply) => {
    const { form, next, errors } = signInForm(request);
    if (errors.length === 0) {
      try {
        const checked = await checkMisPassword(
          ctx,
          form.username ?? "",
          form.password ?? "",
          request.ip,
        );
        const step = await misNextStep(ctx, checked);
        if (step === "done") {
          await finish(request, reply, checked);
          return reply.redirect(next, 303);
        }
        setPendingSignIn(request, reply, checked.user.id, ctx.clock());
        return reply.redirect(withNext(`/sign-in/${step}`, next), 303);
      } catch (e) {
        if (!(e instanceof AppError) || !e.code.startsWith("auth.")) throw e;
        errors.push(
          fieldError(
            "username",
            e.code === "auth.failed" ? "The username or password is wrong" : e.message,
          ),
        );
      }
    }
    return reply
      .status(400)
      .page("sign-in", { title: "Sign in", next, values: { username: form.username }, errors });
  });

  app.get("/sign-in/code", async (request, reply) => {
    if (!pendingOrRestart(request, reply)) return reply;
    const next = localPath(queryParam(request, "next"));
    return reply.page("sign-in-code", {
      title: "Enter your security code",
      next,
      lostPhone: LOST_PHONE,
    });
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
        const checked = await resumeMisSignIn(ctx, userId, request.ip);
        await checkMisCode(ctx, checked, form.code);
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
      lostPhone: LOST_PHONE,
      errors: [error],
    });
  });

  async function setUpPage(userId: string, next: string, errors?: FieldError[]) {
    const user = await ctx.db
      .selectFrom("users")
      .select("username")
      .where("id", "=", userId)
      .executeTakeFirstOrThrow();
    return {
      title: "Set up a second factor",
      action: "/sign-in/set-up",
      atSignIn: true,
      next,
      ...(errors ? { errors } : {}),
      ...keyView(await beginMisEnrolment(ctx, userId, user.username)),
    };
  }

  app.get("/sign-in/set-up", async (request, reply) => {
    const userId = pendingOrRestart(request, reply);
    if (!userId) return reply;
    return reply.page(
      "second-factor-set-up",
      await setUpPage(userId, localPath(queryParam(request, "next"))),
    );
  });

  app.post("/sign-in/set-up", { onRequest: app.signInLimit }, async (request, reply) => {
    const userId = pendingOrRestart(request, reply);
    if (!userId) return reply;
    const form = formOf(request);
    const next = localPath(form.next);
    try {
      const checked = await resumeMisSignIn(ctx, userId, request.ip);
      const codes = await confirmMisEnrolment(
        ctx,
        principalOf(checked.user, request.ip),
        form.code ?? "",
      );
      await finish(request, reply, checked);
      return reply.page("recovery-codes", { title: "Your recovery codes", codes, next });
    } catch (e) {
      if (!(e instanceof AppError) || e.status >= 500) throw e;
      if (e.code === "auth.required" || e.code === "form.expired")
        return reply.redirect("/sign-in?expired=1", 303);
      return reply
        .status(e.status)
        .page(
          "second-factor-set-up",
          await setUpPage(userId, next, [fieldError("code", e.message)]),
        );
    }
  });

  app.get("/sign-in/link/:token", async (request, reply) => {
    const holder = await passwordLinkHolder(ctx, param(request, "token"));
    if (!holder) return reply.status(410).page("password-link", { title: "Link expired" });
    return reply.page("password-link", {
      title: "Choose your password",
      holder,
      action: request.url.split("?")[0],
    });
  });

  app.post("/sign-in/link/:token", { onRequest: app.signInLimit }, async (request, reply) => {
    const token = param(request, "token");
    const holder = await passwordLinkHolder(ctx, token);
    if (!holder) return reply.status(410).page("password-link", { title: "Link expired" });
    const form = formOf(request);
    let error: FieldError | undefined;
    if (!form.password) error = fieldError("password", "Enter a password");
    else if (form.password !== form.confirm)
      error = fieldError("confirm", "The passwords do not match");
    if (!error)
      try {
        const userId = await usePasswordLink(ctx, token, form.password ?? "");
        const checked = await resumeMisSignIn(ctx, userId, request.ip);
        const step = await misNextStep(ctx, checked);
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
    return reply.status(400).page("password-link", {
      title: "Choose your password",
      holder,
      action: request.url.split("?")[0],
      errors: [error],
    });
  });

  app.post("/sign-out", async (request, reply) => {
    const token = sessionTokenOf(request);
    if (token) await misSignOut(ctx, token);
    clearSessionCookie(reply);
    return reply.redirect("/sign-in", 303);
  });
}
