/**
 * Administration: establishments (search, view, set the notice e-mail), users (create, disable,
 * reset password, API tokens), the audit log, and recent mail. Passwords and tokens are shown
 * once, on the page that made them, and never again.
 */
import type { FastifyInstance } from "fastify";
import { isDate } from "../../../ctf/checker.js";
import { tokenCeilingFrom } from "../../../platform/accounts/api-tokens.js";
import { isId, notFound } from "../../../platform/errors.js";
import { askToConfirm, confirmed } from "../../../platform/web/confirm.js";
import {
  boxesOf,
  dateFromBoxes,
  type Form,
  formOf,
  param,
  queryParam,
  tryForm,
} from "../../../platform/web/forms.js";
import { auditView } from "../../audit-view.js";
import type { HubContext, Principal } from "../../context.js";
import { listCorrections, resolveCorrection } from "../../corrections.js";
import { findEstablishment, searchEstablishments } from "../../establishments.js";
import { requestNoticeEmail } from "../../notice-email.js";
import { signedInAs } from "../../organisation-names.js";
import { mailMessage, recentMail } from "../../recent-mail.js";
import { revokeToken, setTokenLife, tokenToRevoke } from "../../tokens.js";
import { getUser, listTokens, listUsers } from "../../user-list.js";
import { createUser, type NewUser, sendResetLink, setDisabled } from "../../users.js";
import { adminOf } from "../principal.js";
import { addressOf, hrefWith, pageFromDatabase, pageParam, paginate } from "./file-list.js";
import { revokeConfirmation } from "./revoke-confirmation.js";

const ROLES = ["school", "la", "admin"] as const;

function newUserFrom(form: Form): NewUser {
  const role = ROLES.find((r) => r === form.role) ?? "school";
  const input: NewUser = {
    username: form.username ?? "",
    email: form.email ?? "",
    role,
  };
  if (role === "school" && form.establishment?.trim())
    input.establishment = form.establishment.trim();
  if (role === "la" && form.laCode?.trim()) input.laCode = form.laCode.trim();
  return input;
}

/** The audit filter's dates are days; "to" includes the whole of its day. */
function dayStart(v: string | undefined, plusDays = 0): Date | undefined {
  if (!v || !isDate(v)) return undefined;
  return new Date(new Date(`${v}T00:00:00Z`).getTime() + plusDays * 86_400_000);
}

export function adminPages(app: FastifyInstance, ctx: HubContext): void {
  app.get("/admin/establishments", async (request, reply) => {
    adminOf(request);
    const q = (queryParam(request, "q") ?? "").slice(0, 100);
    // An LA's 3-digit code lists all of its establishments.
    const status = queryParam(request, "status");
    const open = status === "open" || status === "closed" ? status : undefined;
    const found = q.trim()
      ? await searchEstablishments(ctx.db, q, /^\d{3}$/.test(q.trim()) ? 2000 : 500)
      : [];
    const matching = found.filter((e) => !open || e.status === open);
    const shown = paginate(matching, pageParam(request), "/admin/establishments", {
      q,
      status: open,
    });
    return reply.page("admin-establishments", {
      title: "Establishments",
      q,
      status: open,
      results: shown.items,
      total: matching.length,
      pagination: shown.pagination,
      searched: q.trim() !== "",
    });
  });

  async function establishmentPage(laestab: string) {
    const school = await findEstablishment(ctx.db, laestab);
    if (!school) throw notFound();
    return school;
  }

  app.get("/admin/establishments/:laestab", async (request, reply) => {
    const p = adminOf(request);
    const laestab = param(request, "laestab");
    const school = await establishmentPage(laestab);
    const saved = queryParam(request, "saved");
    const notices: Record<string, string> = {
      asked:
        "We have e-mailed the new address to confirm it. Notices go there once it does; the school's current address has been told.",
      cleared: "E-mail address cleared: notices now go to each of the school's users.",
      resolved: "Correction marked done.",
    };
    return reply.page("admin-establishment", {
      title: "Establishment",
      backLink: "/admin/establishments",
      school,
      corrections: await listCorrections(ctx, p, laestab),
      email: school.email ?? "",
      notice: saved && notices[saved] ? { success: true, text: notices[saved] } : undefined,
    });
  });

  app.post("/admin/establishments/:laestab/email", async (request, reply) => {
    const p = adminOf(request);
    const laestab = param(request, "laestab");
    const email = (formOf(request).email ?? "").trim();
    const done = await tryForm("email", () =>
      requestNoticeEmail(ctx, p, laestab, email === "" ? null : email),
    );
    if (done.ok)
      return reply.redirect(
        `/admin/establishments/${laestab}?saved=${done.value.pending ? "asked" : "cleared"}`,
        303,
      );
    const school = await establishmentPage(laestab);
    return reply.status(400).page("admin-establishment", {
      title: "Establishment",
      backLink: "/admin/establishments",
      school,
      corrections: await listCorrections(ctx, p, laestab),
      email,
      errors: [done.error],
    });
  });

  app.get("/admin/users", async (request, reply) => {
    const p = adminOf(request);
    const f = {
      role: ROLES.find((r) => r === queryParam(request, "role")),
      state: (["active", "disabled", "locked"] as const).find(
        (x) => x === queryParam(request, "state"),
      ),
      organisation: (queryParam(request, "organisation") ?? "").trim().slice(0, 20) || undefined,
      sort:
        (["newest", "oldest"] as const).find((x) => x === queryParam(request, "sort")) ??
        ("name" as const),
    };
    // Filtered, sorted and paged by the database: one page is read, never every user.
    const { found, pagination } = await pageFromDatabase(
      pageParam(request),
      (page, pageSize) => listUsers(ctx, p, { ...f, page, pageSize }),
      hrefWith("/admin/users", { ...f, sort: f.sort === "name" ? undefined : f.sort }),
    );
    return reply.page("admin-users", {
      title: "Users",
      users: found.users,
      total: found.total,
      filter: f,
      pagination,
    });
  });

  app.get("/admin/users/new", async (request, reply) => {
    adminOf(request);
    return reply.page("admin-user-new", {
      title: "Create a user",
      backLink: "/admin/users",
      values: { role: "school" },
    });
  });

  app.post("/admin/users", async (request, reply) => {
    const p = adminOf(request);
    const form = formOf(request);
    const input = newUserFrom(form);
    // Each error names the field it is about.
    const done = await tryForm("username", () => createUser(ctx, p, input));
    if (!done.ok) {
      return reply.status(400).page("admin-user-new", {
        title: "Create a user",
        backLink: "/admin/users",
        values: form,
        errors: done.errors,
      });
    }
    return reply.redirect(`/admin/users/${done.value.user.id}?done=created`, 303);
  });

  /** A user's page: who they are, their tokens, and how long tokens may last here. */
  const userPage = async (p: Principal, id: string) => ({
    title: "User",
    backLink: "/admin/users",
    user: await getUser(ctx, p, id),
    tokens: await listTokens(ctx, p, id),
    serviceTokenMaxDays: ctx.config.tokenMaxDays,
  });

  app.get("/admin/users/:id", async (request, reply) => {
    const p = adminOf(request);
    const page = await userPage(p, param(request, "id"));
    const { user } = page;
    const done = queryParam(request, "done");
    const shortened = /^token-life-(\d+)$/.exec(done ?? "")?.[1];
    const notices: Record<string, string> = {
      ...(shortened === undefined
        ? {}
        : {
            [`token-life-${shortened}`]: `Token life set.${shortened === "0" ? "" : ` ${shortened} of their tokens would have lasted longer: they now end within it.`}`,
          }),
      disabled: "User disabled. Their sessions have ended.",
      enabled: "User enabled.",
      revoked: "Token revoked.",
      created: user.awaitingApproval
        ? "User created. It opens when its organisation approves it: we have asked them. Its user then gets a sign-in link to choose their password."
        : `User created. We have e-mailed ${user.email} a sign-in link to choose their password.`,
      reset: `We have e-mailed ${user.email} a sign-in link to choose a new password.`,
      "reset-second-factor": `We have e-mailed ${user.email} a sign-in link to choose a new password and set up their second factor again.`,
    };
    return reply.page("admin-user", {
      ...page,
      notice: done && notices[done] ? { success: true, text: notices[done] } : undefined,
    });
  });

  app.post("/admin/users/:id/token-life", async (request, reply) => {
    const p = adminOf(request);
    const id = param(request, "id");
    const text = formOf(request).tokenMaxDays;
    const done = await tryForm("tokenMaxDays", () =>
      setTokenLife(ctx, p, id, tokenCeilingFrom(text)),
    );
    if (!done.ok)
      return reply.status(400).page("admin-user", {
        ...(await userPage(p, id)),
        values: { tokenMaxDays: text },
        errors: done.errors,
      });
    return reply.redirect(`/admin/users/${id}?done=token-life-${done.value.shortened}`, 303);
  });

  app.post("/admin/users/:id/disable", async (request, reply) => {
    const p = adminOf(request);
    const id = param(request, "id");
    const disabled = formOf(request).disabled === "true";
    if (disabled && !confirmed(request)) {
      const user = await getUser(ctx, p, id);
      return askToConfirm(request, reply, {
        title: `Disable ${user.username}?`,
        lines: [
          `${await signedInAs(ctx.db, user)} (${user.email}) will be signed out now and will not be able to sign in. Their API tokens will stop working, so any program using one (a folder agent, an MIS) will be refused.`,
          "Nothing they sent or received is deleted. You can enable them again.",
        ],
        fields: { disabled: "true" },
        button: `Yes, disable ${user.username}`,
        destructive: true,
        cancel: `/admin/users/${id}`,
      });
    }
    await setDisabled(ctx, p, id, disabled);
    return reply.redirect(`/admin/users/${id}?done=${disabled ? "disabled" : "enabled"}`, 303);
  });

  app.post("/admin/users/:id/reset-password", async (request, reply) => {
    const p = adminOf(request);
    const id = param(request, "id");
    const secondFactor = formOf(request).secondFactor === "yes";
    await sendResetLink(ctx, p, id, { secondFactor });
    return reply.redirect(
      `/admin/users/${id}?done=${secondFactor ? "reset-second-factor" : "reset"}`,
      303,
    );
  });

  app.post("/admin/tokens/:id/revoke", async (request, reply) => {
    const p = adminOf(request);
    const id = param(request, "id");
    const userId = formOf(request).userId ?? "";
    if (!confirmed(request)) {
      const user = await getUser(ctx, p, userId).catch(() => undefined);
      return askToConfirm(
        request,
        reply,
        revokeConfirmation(
          await tokenToRevoke(ctx, p, id),
          user ? `/admin/users/${user.id}` : "/admin/users",
          {
            userId,
          },
        ),
      );
    }
    await revokeToken(ctx, p, id);
    const user = await getUser(ctx, p, userId).catch(() => undefined);
    return reply.redirect(user ? `/admin/users/${user.id}?done=revoked` : "/admin/users", 303);
  });

  // The filter is in the address, so that a view can be bookmarked, but never a name: a user is
  // chosen by name in the posted form and kept in the address by id.
  const FILTERS = ["organisation", "action", "from", "to", "user", "sort"] as const;
  app.get("/admin/audit", async (request, reply) => {
    const actor = adminOf(request);
    const f = Object.fromEntries(
      FILTERS.map((k) => [k, queryParam(request, k)?.trim().slice(0, 100) || undefined]),
    ) as Record<(typeof FILTERS)[number], string | undefined>;
    const page = Math.min(2000, pageParam(request));
    const user =
      f.user && isId(f.user) ? await getUser(ctx, actor, f.user).catch(() => undefined) : undefined;
    const from = dayStart(f.from);
    const to = dayStart(f.to, 1);
    // A user asked for who is not there: nothing of anyone else's instead.
    const unknownUser = f.user !== undefined && !user;
    const view = unknownUser
      ? { events: [], page: 1, more: false }
      : await auditView(
          ctx.db,
          actor,
          {
            ...(f.organisation ? { organisation: f.organisation } : {}),
            ...(f.action ? { action: f.action } : {}),
            ...(user ? { userId: user.id } : {}),
            ...(from ? { from } : {}),
            ...(to ? { to } : {}),
            ...(f.sort === "oldest" ? { order: "oldest" as const } : {}),
          },
          page,
        );
    const query = (n: number) =>
      addressOf("/admin/audit", { ...f, page: n > 1 ? String(n) : undefined });
    return reply.page("admin-audit", {
      title: "Audit log",
      columnClass: "govuk-grid-column-full",
      filter: {
        ...f,
        username: user?.username ?? "",
        ...boxesOf("from", f.from),
        ...boxesOf("to", f.to),
      },
      ...view,
      errors: [
        ...(unknownUser ? [{ text: "No user has that username", href: "#username" }] : []),
        // Not a real date (30 2 2015): said at its boxes, and not used to filter.
        ...(["from", "to"] as const)
          .filter((k) => f[k] !== undefined && !isDate(f[k] ?? ""))
          .map((k) => ({
            text: `The ${k === "from" ? "first" : "last"} day must be a real date, for example 27 3 2026`,
            href: `#${k}-day`,
          })),
      ],
      previous: page > 1 ? query(page - 1) : undefined,
      next: view.more ? query(page + 1) : undefined,
    });
  });

  app.post("/admin/audit", async (request, reply) => {
    const actor = adminOf(request);
    const form = formOf(request);
    const username = form.username?.trim();
    const user = username ? (await listUsers(ctx, actor, { username })).users[0] : undefined;
    const q = new URLSearchParams();
    for (const k of ["organisation", "action"] as const)
      if (form[k]?.trim()) q.set(k, (form[k] ?? "").trim());
    if (form.sort === "oldest") q.set("sort", "oldest");
    for (const k of ["from", "to"] as const) {
      const d = dateFromBoxes(form, k);
      if (d) q.set(k, d);
    }
    if (user) q.set("user", user.id);
    else if (username) q.set("user", "none");
    return reply.redirect(`/admin/audit${q.size ? `?${q}` : ""}`, 303);
  });

  app.post("/admin/corrections/:id/done", async (request, reply) => {
    const p = adminOf(request);
    await resolveCorrection(ctx, p, param(request, "id"));
    const laestab = formOf(request).laestab ?? "";
    return reply.redirect(
      /^\d{7}$/.test(laestab)
        ? `/admin/establishments/${laestab}?saved=resolved`
        : "/?done=resolved",
      303,
    );
  });

  app.get("/admin/outbox/:id", async (request, reply) => {
    const actor = adminOf(request);
    return reply.page("admin-mail", {
      title: "A message",
      backLink: "/admin/outbox",
      m: await mailMessage(ctx.db, actor, param(request, "id")),
    });
  });

  app.get("/admin/outbox", async (request, reply) => {
    const actor = adminOf(request);
    const state = (["sent", "waiting", "failing"] as const).find(
      (x) => x === queryParam(request, "state"),
    );
    const sort = queryParam(request, "sort") === "oldest" ? ("oldest" as const) : undefined;
    // Filtered and paged by the database: every message is reachable, however many there are.
    const { found, pagination } = await pageFromDatabase(
      pageParam(request),
      (page, pageSize) => recentMail(ctx.db, actor, { state, sort, page, pageSize }),
      hrefWith("/admin/outbox", { state, sort }),
    );
    return reply.page("admin-outbox", {
      title: "Mail",
      columnClass: "govuk-grid-column-full",
      mail: found.mail,
      total: found.total,
      sort,
      stateLinks: [
        ["", "all"],
        ["failing", "failing"],
        ["waiting", "waiting"],
        ["sent", "sent"],
      ].map(([value, text]) => ({
        text,
        current: (state ?? "") === value,
        href: addressOf("/admin/outbox", { state: value, sort }),
      })),
      orderLink: sort
        ? { text: "Newest first", href: addressOf("/admin/outbox", { state }) }
        : { text: "Oldest first", href: addressOf("/admin/outbox", { state, sort: "oldest" }) },
      pagination,
      toFiles: !ctx.config.smtpUrl,
    });
  });
}
