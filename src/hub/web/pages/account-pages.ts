/** The user's own account: password, second factor, recovery codes and API tokens. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { tokenLifeChoices } from "../../../platform/accounts/api-tokens.js";
import { inTransaction } from "../../../platform/change.js";
import { AppError } from "../../../platform/errors.js";
import { setSessionCookie } from "../../../platform/web/auth.js";
import { askToConfirm, confirmed } from "../../../platform/web/confirm.js";
import {
  type FieldError,
  fieldError,
  formOf,
  param,
  queryParam,
} from "../../../platform/web/forms.js";
import { keyView } from "../../../platform/web/key-view.js";
import { NEW_PASSWORD_PAGE } from "../../../platform/web/password-gate.js";
import type { HubContext, Principal } from "../../context.js";
import { downloadNoticesOn, setDownloadNotices } from "../../download-notices.js";
import { organisationName } from "../../organisation-names.js";
import { registerNoticesOn, setRegisterNotices } from "../../register-notices.js";
import {
  beginEnrolment,
  confirmEnrolment,
  newRecoveryCodes,
  pendingEnrolment,
  secondFactorStatus,
} from "../../second-factor.js";
import { createSession } from "../../sessions.js";
import { createToken, revokeToken, tokenMaxDaysOf, tokensOf, tokenToRevoke } from "../../tokens.js";
import { changePassword } from "../../users.js";
import { principalOf } from "../principal.js";
import { revokeConfirmation } from "./revoke-confirmation.js";

export function accountPages(app: FastifyInstance, ctx: HubContext): void {
  const NOTICES: Record<string, string> = {
    changed:
      "Your password has been changed and your other sessions have ended. Your API tokens still work: check the list below.",
    "changed-revoked":
      "Your password has been changed, your other sessions have ended and your API tokens have been revoked.",
    "second-factor": "Your second factor is set up.",
    revoked: "The token has been revoked.",
    "notices-on":
      "You will be e-mailed when a file from one of your schools goes to the Lost Pupils database or the out of sector register.",
    "notices-off": "You will no longer be e-mailed about register files.",
    "downloaded-on": "You will be e-mailed when a file you sent is downloaded.",
    "downloaded-off": "You will no longer be e-mailed when a file you sent is downloaded.",
  };

  /** The token lives this user may choose: an administrator may have set a shorter longest. */
  const tokenLives = async (p: Principal) => {
    const tokenMaxDays = await tokenMaxDaysOf(ctx, p.userId);
    return { tokenMaxDays, tokenLives: tokenLifeChoices(tokenMaxDays) };
  };

  const accountPage = async (p: Principal) => ({
    title: "Your account",
    me: p,
    organisation: await organisationName(ctx.db, p),
    registerNotices: p.role === "la" ? await registerNoticesOn(ctx, p) : false,
    downloadNotices: p.role === "admin" ? false : await downloadNoticesOn(ctx, p),
    factor: await secondFactorStatus(ctx, p),
    tokens: await tokensOf(ctx, p.userId),
    ...(await tokenLives(p)),
  });

  app.post("/account/notices", async (request, reply) => {
    const p = principalOf(request);
    const on = formOf(request).registerFiles === "yes";
    await setRegisterNotices(ctx, p, on);
    return reply.redirect(`/account?done=notices-${on ? "on" : "off"}`, 303);
  });

  app.post("/account/downloaded-notices", async (request, reply) => {
    const p = principalOf(request);
    const on = formOf(request).downloaded === "yes";
    await setDownloadNotices(ctx, p, on);
    return reply.redirect(`/account?done=downloaded-${on ? "on" : "off"}#notices`, 303);
  });

  app.get("/account", async (request, reply) => {
    const p = principalOf(request);
    const done = queryParam(request, "done");
    return reply.page("account", {
      ...(await accountPage(p)),
      notice: done && NOTICES[done] ? { success: true, text: NOTICES[done] } : undefined,
    });
  });

  app.post("/account/tokens", async (request, reply) => {
    const p = principalOf(request);
    const form = formOf(request);
    let made: Awaited<ReturnType<typeof createToken>>;
    try {
      made = await createToken(ctx, p, p.username, {
        label: form.label ?? "",
        expiresInDays: Number(form.expiresInDays ?? 90),
        password: form.password ?? "",
      });
    } catch (e) {
      if (!(e instanceof AppError) || e.status >= 500 || !e.field) throw e;
      // The new-password form on this page has its own "password" field.
      const errors = [fieldError(e.field === "password" ? "tokenPassword" : e.field, e.message)];
      return reply.status(400).page("account", { ...(await accountPage(p)), errors });
    }
    return reply.page("admin-secret", {
      title: "API token created",
      heading: "Your new API token",
      secretLabel: "Token",
      secret: made.token,
      advice:
        "Put this token in the program that will use it (as Authorization: Bearer TOKEN). It is shown only once; if it is lost, revoke it and make another.",
      next: "/account#tokens",
    });
  });

  app.post("/account/tokens/:id/revoke", async (request, reply) => {
    const p = principalOf(request);
    if (!confirmed(request))
      return askToConfirm(
        request,
        reply,
        revokeConfirmation(await tokenToRevoke(ctx, p, param(request, "id")), "/account#tokens"),
      );
    await revokeToken(ctx, p, param(request, "id"));
    return reply.redirect("/account?done=revoked#tokens", 303);
  });

  /** Changes the signed-in user's password from the form; the errors against their fields. */
  async function passwordChanged(request: FastifyRequest, reply: FastifyReply, p: Principal) {
    const form = formOf(request);
    const errors: FieldError[] = [];
    if (!form.current) errors.push(fieldError("current", "Enter your current password"));
    if (!form.password || form.password.length < 12)
      errors.push(fieldError("password", "Enter a new password of at least 12 characters"));
    else if (form.password !== form.confirm)
      errors.push(fieldError("confirm", "The new passwords do not match"));
    if (errors.length > 0) return errors;
    try {
      await changePassword(ctx, p, form.current ?? "", form.password ?? "", {
        revokeTokens: form.revokeTokens === "yes",
      });
      // Changing the password ends every session, this one too: start a fresh one.
      setSessionCookie(reply, await createSession(ctx, ctx.db, p));
      return [];
    } catch (e) {
      if (!(e instanceof AppError) || e.status >= 500) throw e;
      return [fieldError(e.field ?? "password", e.message)];
    }
  }

  app.post("/account/password", async (request, reply) => {
    const p = principalOf(request);
    const errors = await passwordChanged(request, reply, p);
    const done = formOf(request).revokeTokens === "yes" ? "changed-revoked" : "changed";
    if (errors.length === 0) return reply.redirect(`/account?done=${done}`, 303);
    return reply.status(400).page("account", { ...(await accountPage(p)), errors });
  });

  // The first sign-in with a password the operator set: the gate (password-gate.ts) leads here.
  app.get(NEW_PASSWORD_PAGE, async (request, reply) => {
    const p = principalOf(request);
    if (!p.mustChangePassword) return reply.redirect("/account", 303);
    return reply.page("new-password", { title: "Choose your own password" });
  });

  app.post(NEW_PASSWORD_PAGE, async (request, reply) => {
    const p = principalOf(request);
    if (!p.mustChangePassword) return reply.redirect("/account", 303);
    const errors = await passwordChanged(request, reply, p);
    if (errors.length === 0) return reply.redirect("/", 303);
    return reply.status(400).page("new-password", { title: "Choose your own password", errors });
  });

  app.get("/account/second-factor", async (request, reply) => {
    const p = principalOf(request);
    const key =
      (await pendingEnrolment(ctx, p.userId, p.username)) ??
      (await beginEnrolment(ctx, p.userId, p.username));
    return reply.page("second-factor-set-up", {
      title: "Set up a second factor",
      action: "/account/second-factor",
      atSignIn: false,
      ...keyView(key),
    });
  });

  app.post("/account/second-factor", async (request, reply) => {
    const p = principalOf(request);
    const code = formOf(request).code ?? "";
    try {
      const codes = await inTransaction(ctx, ({ trx }) =>
        confirmEnrolment(ctx, trx, p, p.userId, code),
      );
      return reply.page("recovery-codes", {
        title: "Your recovery codes",
        codes,
        next: "/account?done=second-factor",
      });
    } catch (e) {
      if (!(e instanceof AppError) || e.status >= 500) throw e;
      const key = await pendingEnrolment(ctx, p.userId, p.username);
      if (!key) return reply.redirect("/account/second-factor", 303);
      return reply.status(e.status).page("second-factor-set-up", {
        title: "Set up a second factor",
        action: "/account/second-factor",
        atSignIn: false,
        errors: [fieldError("code", e.message)],
        ...keyView(key),
      });
    }
  });

  app.post("/account/recovery-codes", async (request, reply) => {
    const p = principalOf(request);
    const codes = await newRecoveryCodes(ctx, p);
    return reply.page("recovery-codes", { title: "Your recovery codes", codes, next: "/account" });
  });
}
