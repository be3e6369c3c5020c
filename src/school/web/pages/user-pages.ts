/** A manager's Users page (add, disable, enable), and each user's own API tokens. */
import type { FastifyInstance } from "fastify";
import { AppError } from "../../../platform/errors.js";
import { askToConfirm, confirmed } from "../../../platform/web/confirm.js";
import { formOf, queryParam, tryForm } from "../../../platform/web/forms.js";
import { formatDate } from "../../../platform/web/views.js";
import type { MisContext } from "../../context.js";
import { createMisToken, listMisTokens, revokeMisToken } from "../../tokens.js";
import { createMisUser, listMisUsers, setMisUserDisabled } from "../../users.js";
import { pageManager, pageUser } from "./register-pages.js";

const DONE: Record<string, string> = {
  disabled: "User disabled: their sessions have ended and their tokens no longer work.",
  enabled: "User enabled: they can sign in again.",
  revoked: "Token revoked.",
};

export function userPages(app: FastifyInstance, ctx: MisContext): void {
  app.get("/users", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const done = DONE[queryParam(request, "done") ?? ""];
    return reply.page("users", {
      title: "Users",
      users: await listMisUsers(ctx, p),
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
    const role = form.role === "manager" || form.role === "staff" ? form.role : undefined;
    const r = await tryForm("username", async () => {
      if (!role) throw new AppError("invalid", "Choose manager or staff", { field: "role" });
      return createMisUser(ctx, p, {
        username: form.username ?? "",
        email: form.email ?? "",
        role,
      });
    });
    if (!r.ok)
      return reply
        .status(400)
        .page("user-new", { title: "Add a user", values: form, errors: [r.error] });
    // The password is shown on this answer only: it is kept nowhere but as a hash.
    return reply.page("user-made", {
      title: "User added",
      username: (form.username ?? "").trim(),
      password: r.value.password,
    });
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
        return reply
          .status(400)
          .page("users", { title: "Users", users: await listMisUsers(ctx, p), errors: [r.error] });
      return reply.redirect(`/users?done=${disabled ? "disabled" : "enabled"}`, 303);
    });

  app.get("/account", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const done = DONE[queryParam(request, "done") ?? ""];
    return reply.page("account", {
      title: "Your account",
      tokens: await listMisTokens(ctx, p),
      ...(done ? { notice: { success: true, text: done } } : {}),
    });
  });

  app.post("/account/tokens", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const token = await createMisToken(ctx, p, p.username);
    return reply.page("account", {
      title: "Your account",
      tokens: await listMisTokens(ctx, p),
      token,
    });
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
