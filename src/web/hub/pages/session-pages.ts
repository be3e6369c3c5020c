/** Signing in and out, and the user's own account (change password). */
import type { FastifyInstance } from "fastify";
import { AppError } from "../../../errors.js";
import type { HubContext } from "../../../hub/context.js";
import { createSession } from "../../../hub/sessions.js";
import { signIn, signOut } from "../../../hub/sign-in.js";
import { changePassword } from "../../../hub/users.js";
import { clearSessionCookie, sessionTokenOf, setSessionCookie } from "../../shell/auth.js";
import { principalOf, signedInAs } from "../principal.js";
import { type FieldError, fieldError, formOf, localPath, queryParam } from "./forms.js";

export function sessionPages(app: FastifyInstance, ctx: HubContext): void {
  app.get("/sign-in", async (request, reply) => {
    if (signedInAs(request)) return reply.redirect("/", 303);
    const next = localPath(queryParam(request, "next"));
    return reply.page("sign-in", { title: "Sign in", next, values: {} });
  });

  app.post("/sign-in", { onRequest: app.signInLimit }, async (request, reply) => {
    const form = formOf(request);
    const next = localPath(form.next);
    const errors: FieldError[] = [];
    if (!form.username?.trim()) errors.push(fieldError("username", "Enter your username"));
    if (!form.password) errors.push(fieldError("password", "Enter your password"));
    if (errors.length === 0) {
      try {
        const { session } = await signIn(
          ctx,
          form.username?.trim() ?? "",
          form.password ?? "",
          request.ip,
        );
        setSessionCookie(reply, session);
        return reply.redirect(next, 303);
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

  app.post("/sign-out", async (request, reply) => {
    await signOut(ctx, sessionTokenOf(request), signedInAs(request));
    clearSessionCookie(reply);
    return reply.redirect("/sign-in?signedOut=1", 303);
  });

  app.get("/account", async (request, reply) => {
    const p = principalOf(request);
    const changed = queryParam(request, "changed") === "1";
    return reply.page("account", {
      title: "Your account",
      me: p,
      notice: changed ? { success: true, text: "Your password has been changed." } : undefined,
    });
  });

  app.post("/account/password", async (request, reply) => {
    const p = principalOf(request);
    const form = formOf(request);
    const errors: FieldError[] = [];
    if (!form.current) errors.push(fieldError("current", "Enter your current password"));
    if (!form.password || form.password.length < 12)
      errors.push(fieldError("password", "Enter a new password of at least 12 characters"));
    else if (form.password !== form.confirm)
      errors.push(fieldError("confirm", "The new passwords do not match"));
    if (errors.length === 0) {
      try {
        await changePassword(ctx, p, form.current ?? "", form.password ?? "");
        // Changing the password ends every session, this one too: start a fresh one.
        setSessionCookie(reply, await createSession(ctx, ctx.db, p));
        return reply.redirect("/account?changed=1", 303);
      } catch (e) {
        if (!(e instanceof AppError) || e.status >= 500) throw e;
        errors.push(fieldError(e.field ?? "password", e.message));
      }
    }
    return reply.status(400).page("account", { title: "Your account", me: p, errors });
  });
}
