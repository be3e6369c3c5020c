/** A user's own account page: their password, their second factor and their API tokens. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { tokenLifeChoices } from "../../../platform/accounts/api-tokens.js";
import { AppError } from "../../../platform/errors.js";
import { sessionTokenOf } from "../../../platform/web/auth.js";
import { askToConfirm, confirmed } from "../../../platform/web/confirm.js";
import { type FieldError, fieldError, formOf, queryParam } from "../../../platform/web/forms.js";
import { keyView } from "../../../platform/web/key-view.js";
import { NEW_PASSWORD_PAGE } from "../../../platform/web/password-gate.js";
import { formatDate } from "../../../platform/web/views.js";
import {
  beginMisEnrolment,
  changeOwnPassword,
  confirmMisEnrolment,
  misSecondFactorStatus,
  newMisRecoveryCodes,
} from "../../accounts.js";
import type { MisContext, MisPrincipal } from "../../context.js";
import { misSecondFactorRequired } from "../../sessions.js";
import { createMisToken, listMisTokens, misTokenMaxDays, revokeMisToken } from "../../tokens.js";
import { pageUser } from "./register-pages.js";

const DONE: Record<string, string> = {
  revoked: "Token revoked.",
  changed:
    "Your password is changed. You stay signed in here; anywhere else you signed in, you are signed out.",
  "changed-revoked":
    "Your password is changed and your API tokens are revoked. You stay signed in here; anywhere else you signed in, you are signed out.",
  "second-factor": "Your second factor is set up: signing in now asks for a code from your app.",
};

export function accountPages(app: FastifyInstance, ctx: MisContext): void {
  async function accountPage(p: MisPrincipal, extra: Record<string, unknown> = {}) {
    return {
      title: "Your account",
      tokens: await listMisTokens(ctx, p),
      ...(await misTokenMaxDays(ctx, p).then((tokenMaxDays) => ({
        tokenMaxDays,
        tokenLives: tokenLifeChoices(tokenMaxDays),
      }))),
      factor: {
        ...(await misSecondFactorStatus(ctx, p)),
        required: await misSecondFactorRequired(ctx, p),
      },
      ...extra,
    };
  }

  app.get("/account", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const done = DONE[queryParam(request, "done") ?? ""];
    return reply.page(
      "account",
      await accountPage(p, done ? { notice: { success: true, text: done } } : {}),
    );
  });

  async function passwordChanged(request: FastifyRequest, p: MisPrincipal): Promise<FieldError[]> {
    const form = formOf(request);
    const errors: FieldError[] = [];
    if (!form.current) errors.push(fieldError("current", "Enter your current password"));
    if (!form.password) errors.push(fieldError("password", "Enter a new password"));
    else if (form.password !== form.confirm)
      errors.push(fieldError("confirm", "The new passwords do not match"));
    if (errors.length > 0) return errors;
    try {
      await changeOwnPassword(
        ctx,
        p,
        form.current ?? "",
        form.password ?? "",
        sessionTokenOf(request),
        { revokeTokens: form.revokeTokens === "yes" },
      );
      return [];
    } catch (e) {
      if (!(e instanceof AppError) || e.status >= 500) throw e;
      return [fieldError(e.field ?? "current", e.message)];
    }
  }

  app.post("/account/password", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const errors = await passwordChanged(request, p);
    const done = formOf(request).revokeTokens === "yes" ? "changed-revoked" : "changed";
    if (errors.length === 0) return reply.redirect(`/account?done=${done}`, 303);
    return reply.status(400).page("account", await accountPage(p, { errors }));
  });

  // A password someone else set or saw: the gate (platform/web/password-gate.ts) leads here.
  app.get(NEW_PASSWORD_PAGE, async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    if (!p.mustChangePassword) return reply.redirect("/account", 303);
    return reply.page("new-password", { title: "Choose your own password" });
  });

  app.post(NEW_PASSWORD_PAGE, async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    if (!p.mustChangePassword) return reply.redirect("/account", 303);
    const errors = await passwordChanged(request, p);
    if (errors.length === 0) return reply.redirect("/", 303);
    return reply.status(400).page("new-password", { title: "Choose your own password", errors });
  });

  async function setUp(reply: FastifyReply, p: MisPrincipal, errors?: FieldError[]) {
    return reply.status(errors ? 400 : 200).page("second-factor-set-up", {
      title: "Set up a second factor",
      action: "/account/second-factor",
      atSignIn: false,
      ...(errors ? { errors } : {}),
      ...keyView(await beginMisEnrolment(ctx, p.userId, p.username)),
    });
  }

  app.get("/account/second-factor", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    return setUp(reply, p);
  });

  app.post("/account/second-factor", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    try {
      const codes = await confirmMisEnrolment(ctx, p, formOf(request).code ?? "");
      return reply.page("recovery-codes", {
        title: "Your recovery codes",
        codes,
        next: "/account?done=second-factor",
      });
    } catch (e) {
      if (!(e instanceof AppError) || e.status >= 500) throw e;
      return setUp(reply, p, [fieldError("code", e.message)]);
    }
  });

  app.post("/account/recovery-codes", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const codes = await newMisRecoveryCodes(ctx, p);
    return reply.page("recovery-codes", { title: "Your recovery codes", codes, next: "/account" });
  });

  app.post("/account/tokens", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const form = formOf(request);
    try {
      const token = await createMisToken(ctx, p, p.username, {
        password: form.password ?? "",
        expiresInDays: Number(form.expiresInDays ?? 90),
      });
      return reply.page("account", await accountPage(p, { token }));
    } catch (e) {
      if (!(e instanceof AppError) || e.status >= 500 || !e.field) throw e;
      // The new-password form on this page has its own "password" field.
      const errors = [fieldError(e.field === "password" ? "tokenPassword" : e.field, e.message)];
      return reply.status(400).page("account", await accountPage(p, { errors }));
    }
  });

  app.post<{ Params: { id: string } }>("/account/tokens/:id/revoke", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    if (!confirmed(request)) {
      const token = (await listMisTokens(ctx, p)).find((t) => t.id === request.params.id);
      if (!token) throw new AppError("not-found");
      return askToConfirm(request, reply, {
        title: "Revoke this token?",
        lines: [
          `Your API token made on ${formatDate(token.createdAt)}, ${token.lastUsedAt ? `last used on ${formatDate(token.lastUsedAt)}` : "never used"}, will stop working now.`,
          "Any program using it will be refused until it is given a new token. This cannot be undone.",
        ],
        button: "Yes, revoke this token",
        destructive: true,
        cancel: "/account",
      });
    }
    await revokeMisToken(ctx, p, request.params.id);
    return reply.redirect("/account?done=revoked", 303);
  });
}
