/**
 * A manager's Users page: add, disable, enable, a password link for a user, and how long a
 * user's API tokens may last.
 */
import type { FastifyInstance } from "fastify";
import { tokenCeilingFrom } from "../../../platform/accounts/api-tokens.js";
import { AppError } from "../../../platform/errors.js";
import { askToConfirm, confirmed } from "../../../platform/web/confirm.js";
import { formOf, queryParam, tryForm } from "../../../platform/web/forms.js";
import { issuePasswordLink, PASSWORD_LINK_HOURS } from "../../accounts.js";
import type { MisContext, MisPrincipal } from "../../context.js";
import type { MisRole } from "../../schema.js";
import { setMisTokenLife } from "../../tokens.js";
import { createMisUser, listMisUsers, setMisUserDisabled } from "../../users.js";
import { pageManager, pageUser } from "./register-pages.js";

const DONE: Record<string, string> = {
  disabled: "User disabled: their sessions have ended and their tokens no longer work.",
  enabled: "User enabled: they can sign in again.",
  "token-life":
    "Token life set. Any of their tokens that would have lasted longer now ends within it.",
};

export function userPages(app: FastifyInstance, ctx: MisContext): void {
  app.get("/users", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const done = DONE[queryParam(request, "done") ?? ""];
    return reply.page("users", {
      title: "Users",
      users: await listMisUsers(ctx, p),
      tokenMaxDays: ctx.config.tokenMaxDays,
      ...(done ? { notice: { success: true, text: done } } : {}),
    });
  });

  app.get("/users/new", async (request, reply) => {
    const p = pageManager(request, reply);
    if (!p) return reply;
    return reply.page("user-new", { title: "Add a user", values: {} });
  });

  app.post("/users", async (request, reply) => {
    const p = pageManager(request, reply);
    if (!p) return reply;
    const form = formOf(request);
    const r = await tryForm("username", async () => {
      return createMisUser(ctx, p, {
        username: form.username ?? "",
        email: form.email ?? "",
        // Checked there with the other fields, so every problem is said at once.
        role: (form.role ?? "") as MisRole,
        // The manager is shown it: the user replaces it at their first sign-in.
        changeAtSignIn: true,
      });
    });
    if (!r.ok)
      return reply
        .status(400)
        .page("user-new", { title: "Add a user", values: form, errors: r.errors });
    // The password is shown on this answer only: it is kept nowhere but as a hash.
    return reply.page("user-made", {
      title: "User added",
      username: (form.username ?? "").trim(),
      password: r.value.password,
    });
  });

  app.post<{ Params: { id: string } }>("/users/:id/password-link", async (request, reply) => {
    const p = pageManager(request, reply);
    if (!p) return reply;
    const user = (await listMisUsers(ctx, p)).find((u) => u.id === request.params.id);
    if (!user) throw new AppError("not-found");
    if (!confirmed(request))
      return askToConfirm(request, reply, {
        title: `Make a password link for ${user.username}?`,
        lines: [
          `${user.username}'s password will stop working now, and they will be signed out. The link lets them choose a new one, once, within ${PASSWORD_LINK_HOURS / 24} days.`,
          "Give them the link yourself (in person, or by their school e-mail). You never see their new password.",
        ],
        button: "Yes, make the link",
        cancel: "/users",
      });
    const link = await issuePasswordLink(ctx, p, user.id);
    return reply.page("password-link-made", {
      title: "Password link made",
      username: user.username,
      link: `${ctx.config.publicUrl}/sign-in/link/${link.token}`,
      expiresAt: link.expiresAt.toISOString(),
    });
  });

  const tokenLifePage = async (p: MisPrincipal, id: string, typed?: string) => {
    const user = (await listMisUsers(ctx, p)).find((u) => u.id === id);
    if (!user) throw new AppError("not-found");
    return {
      title: `How long ${user.username}'s API tokens last`,
      backLink: "/users",
      user,
      schoolTokenMaxDays: ctx.config.tokenMaxDays,
      values: {
        tokenMaxDays: typed ?? (user.tokenMaxDays === null ? "" : String(user.tokenMaxDays)),
      },
    };
  };

  app.get<{ Params: { id: string } }>("/users/:id/token-life", async (request, reply) => {
    const p = pageManager(request, reply);
    if (!p) return reply;
    return reply.page("user-token-life", await tokenLifePage(p, request.params.id));
  });

  app.post<{ Params: { id: string } }>("/users/:id/token-life", async (request, reply) => {
    const p = pageManager(request, reply);
    if (!p) return reply;
    const typed = formOf(request).tokenMaxDays;
    const r = await tryForm("tokenMaxDays", () =>
      setMisTokenLife(ctx, p, request.params.id, tokenCeilingFrom(typed)),
    );
    if (!r.ok)
      return reply.status(400).page("user-token-life", {
        ...(await tokenLifePage(p, request.params.id, typed)),
        errors: r.errors,
      });
    return reply.redirect("/users?done=token-life", 303);
  });

  for (const [action, disabled] of [
    ["disable", true],
    ["enable", false],
  ] as const)
    app.post<{ Params: { id: string } }>(`/users/:id/${action}`, async (request, reply) => {
      const p = pageUser(request, reply);
      if (!p) return reply;
      if (disabled && !confirmed(request)) {
        // Only a manager gets this far: listing users is theirs alone.
        const user = (await listMisUsers(ctx, p)).find((u) => u.id === request.params.id);
        if (!user) throw new AppError("not-found");
        return askToConfirm(request, reply, {
          title: `Disable ${user.username}?`,
          lines: [
            `${user.username} will be signed out now and will not be able to sign in. Their API tokens will stop working, so a program using one (an MIS connection, a script) will be refused.`,
            "Nothing they did is undone, and you can enable them again.",
          ],
          button: `Yes, disable ${user.username}`,
          destructive: true,
          cancel: "/users",
        });
      }
      const r = await tryForm("user", () =>
        setMisUserDisabled(ctx, p, request.params.id, disabled),
      );
      if (!r.ok)
        return reply.status(400).page("users", {
          title: "Users",
          users: await listMisUsers(ctx, p),
          tokenMaxDays: ctx.config.tokenMaxDays,
          errors: r.errors,
        });
      return reply.redirect(`/users?done=${disabled ? "disabled" : "enabled"}`, 303);
    });
}
