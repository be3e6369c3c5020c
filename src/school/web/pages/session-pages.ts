/** Signing in to and out of the school side's pages. */
import type { FastifyInstance } from "fastify";
import { AppError } from "../../../platform/errors.js";
import {
  clearSessionCookie,
  sessionTokenOf,
  setSessionCookie,
} from "../../../platform/web/auth.js";
import { fieldError, localPath, queryParam, signInForm } from "../../../platform/web/forms.js";
import type { MisContext } from "../../context.js";
import { misSignIn, misSignOut } from "../../sessions.js";

export function misSessionPages(app: FastifyInstance, ctx: MisContext): void {
  app.get("/sign-in", async (request, reply) => {
    if (request.principal) return reply.redirect("/", 303);
    return reply.page("sign-in", {
      title: "Sign in",
      next: localPath(queryParam(request, "next")),
      values: {},
    });
  });

  app.post("/sign-in", { onRequest: app.signInLimit }, async (request, reply) => {
    const { form, next, errors } = signInForm(request);
    if (errors.length === 0) {
      try {
        const session = await misSignIn(ctx, form.username ?? "", form.password ?? "", request.ip);
        setSessionCookie(reply, session.token);
        return reply.redirect(next, 303);
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        if (e.code === "auth.locked") errors.push(fieldError("username", e.message));
        else if (e.code === "auth.failed")
          errors.push(fieldError("username", "The username or password is wrong"));
        else throw e;
      }
    }
    return reply
      .status(400)
      .page("sign-in", { title: "Sign in", next, values: { username: form.username }, errors });
  });

  app.post("/sign-out", async (request, reply) => {
    const token = sessionTokenOf(request);
    if (token) await misSignOut(ctx, token);
    clearSessionCookie(reply);
    return reply.redirect("/sign-in", 303);
  });
}
