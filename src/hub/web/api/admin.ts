import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import type { Selectable } from "kysely";
import { Type } from "typebox";
import {
  AuditEvent,
  Correction,
  Establishment,
  errors,
  IdParams,
  NoContent,
  ok,
  PAGE_QUERY,
  TokenLifeBody,
  TokenLifeSet,
  TokenListed,
  User,
} from "../../../contract/hub-api.js";
import { notFound } from "../../../platform/errors.js";
import { readAudit } from "../../audit.js";
import type { HubContext } from "../../context.js";
import { listCorrections, resolveCorrection } from "../../corrections.js";
import {
  findEstablishment,
  importGias,
  reportCorrection,
  searchEstablishments,
} from "../../establishments.js";
import { requestNoticeEmail } from "../../notice-email.js";
import type { EstablishmentsTable } from "../../schema.js";
import { revokeToken, setTokenLife } from "../../tokens.js";
import { listTokens, listUsers } from "../../user-list.js";
import { createUser, sendResetLink, setDisabled } from "../../users.js";
import { adminOf, principalOf } from "../principal.js";

/** An establishment as the API shows it (the search leaves out its e-mail). */
function establishmentJson(
  e: Selectable<EstablishmentsTable> & {
    successor_laestab: string | null;
    successor_name: string | null;
  },
) {
  return {
    laestab: e.laestab,
    urn: e.urn,
    name: e.name,
    town: e.town,
    la: { code: e.la_code, name: e.la_name },
    successor:
      e.successor_laestab && e.successor_name
        ? { laestab: e.successor_laestab, name: e.successor_name }
        : null,
    type: e.type,
    status: e.status,
    independent: e.independent,
    email: e.email,
  };
}

export function directoryRoutes(fastify: FastifyInstance, ctx: HubContext): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ["directory"];
  app.get(
    "/api/v1/establishments",
    {
      schema: {
        tags,
        summary: "Search the directory by name, town, LAESTAB or URN",
        querystring: Type.Object({ q: Type.Optional(Type.String()) }),
        response: {
          200: ok(
            Type.Object({ establishments: Type.Array(Establishment) }),
            "Matching establishments, by name",
          ),
          ...errors(401),
        },
      },
    },
    async (request) => {
      principalOf(request);
      const rows = await searchEstablishments(ctx.db, request.query.q ?? "");
      return {
        establishments: rows.map((e) => {
          const { email: _, ...listed } = establishmentJson(e);
          return listed;
        }),
      };
    },
  );

  app.get(
    "/api/v1/my-school",
    {
      schema: {
        tags,
        summary: "My school's record in the directory",
        response: { 200: ok(Establishment, "My school's record"), ...errors(401, 404) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const e = p.establishment ? await findEstablishment(ctx.db, p.establishment) : undefined;
      if (!e) throw notFound();
      return establishmentJson(e);
    },
  );

  app.post(
    "/api/v1/my-school/corrections",
    {
      schema: {
        tags,
        summary: "Report a correction to my school's details",
        body: Type.Object({ text: Type.String() }),
        response: {
          201: ok(Type.Object({ id: Type.String() }), "Reported"),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const row = await reportCorrection(ctx, principalOf(request), request.body.text);
      return reply.status(201).send({ id: row.id });
    },
  );
}

export function adminRoutes(fastify: FastifyInstance, ctx: HubContext): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ["admin"];
  app.post(
    "/api/v1/admin/users",
    {
      schema: {
        tags,
        summary: "Create a user; they are e-mailed a sign-in link to choose their password",
        description:
          "Nobody but the user ever knows their password: the link works once, for 24 hours. " +
          "A school or LA account opens only when its organisation approves it (one of its users, " +
          "its notice address by a single-use link, or while it has no users a second " +
          "administrator: GET /api/v1/approvals); its user is then sent the link. An " +
          "administrator's account gets the link at once, and the administrators are told.",
        body: Type.Object({
          username: Type.String(),
          email: Type.String(),
          role: Type.Union([Type.Literal("school"), Type.Literal("la"), Type.Literal("admin")]),
          establishment: Type.Optional(Type.String()),
          laCode: Type.Optional(Type.String()),
        }),
        response: {
          201: ok(
            Type.Object({
              user: Type.Object({
                id: Type.String(),
                username: Type.String(),
                role: Type.String(),
              }),
              linkSentTo: Type.Optional(
                Type.String({ description: "where the sign-in link went (an administrator)" }),
              ),
              awaitingApproval: Type.Optional(
                Type.Literal(true, {
                  description:
                    "a school or LA account: it opens, and its user is sent the sign-in link, when its organisation approves it",
                }),
              ),
            }),
            "Created: an administrator's sign-in link is on its way; a school or LA account waits for approval",
          ),
          ...errors(400, 401, 403, 409),
        },
      },
    },
    async (request, reply) => {
      const made = await createUser(ctx, adminOf(request), request.body);
      const { user } = made;
      return reply.status(201).send({
        user: { id: user.id, username: user.username, role: user.role },
        ...(made.awaitingApproval ? { awaitingApproval: true } : { linkSentTo: user.email }),
      });
    },
  );

  app.get(
    "/api/v1/admin/users",
    {
      schema: {
        tags,
        summary: "The users, by name, a page at a time, without password hashes",
        querystring: Type.Object(PAGE_QUERY),
        response: {
          200: ok(
            Type.Object({
              users: Type.Array(User),
              total: Type.Integer({ description: "users in all, on every page" }),
              more: Type.Boolean({ description: "a next page has more" }),
            }),
            "A page of users",
          ),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { page = 1, pageSize = 100 } = request.query;
      return listUsers(ctx, adminOf(request), { page, pageSize });
    },
  );

  app.get(
    "/api/v1/admin/corrections",
    {
      schema: {
        tags,
        summary: "Corrections schools have reported to their details",
        response: {
          200: ok(
            Type.Object({ corrections: Type.Array(Correction) }),
            "Corrections, newest first",
          ),
          ...errors(401, 403),
        },
      },
    },
    async (request) => ({ corrections: await listCorrections(ctx, adminOf(request)) }),
  );

  app.post(
    "/api/v1/admin/corrections/:id/done",
    {
      schema: {
        tags,
        summary: "Mark a reported correction done",
        params: IdParams,
        response: { 204: NoContent, ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await resolveCorrection(ctx, adminOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/api/v1/admin/users/:id/disable",
    {
      schema: {
        tags,
        summary: "Disable (or, with false, enable) a user; their sessions end",
        params: IdParams,
        body: Type.Object({ disabled: Type.Boolean() }),
        response: { 204: NoContent, ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await setDisabled(ctx, adminOf(request), request.params.id, request.body.disabled);
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/api/v1/admin/users/:id/token-life",
    {
      schema: {
        tags,
        summary: "Set the longest life of the user's API tokens (null: the service's)",
        description:
          "At most the service's longest (S2S_TOKEN_MAX_DAYS). A new token the user makes may " +
          "last no longer, and a token they have that would last longer (or until revoked) now " +
          "ends that many days from now. The answer says how many were shortened.",
        params: IdParams,
        body: TokenLifeBody("the service's longest"),
        response: {
          200: ok(TokenLifeSet, "Set"),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request) =>
      setTokenLife(ctx, adminOf(request), request.params.id, request.body.tokenMaxDays),
  );

  app.post(
    "/api/v1/admin/users/:id/reset-password",
    {
      schema: {
        tags,
        summary: "E-mail the user a sign-in link to choose a new password",
        description:
          'Optional JSON body `{"secondFactor": true}` (a lost phone): the link also clears ' +
          "their second factor, to be set up again. Nobody but the user sees the link or the " +
          "password.",
        params: IdParams,
        response: {
          200: ok(Type.Object({ linkSentTo: Type.String() }), "The link is on its way"),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request) =>
      sendResetLink(ctx, adminOf(request), request.params.id, {
        // No body schema, so that a malformed id still answers 404 before any body is judged.
        secondFactor:
          (request.body as { secondFactor?: unknown } | undefined)?.secondFactor === true,
      }),
  );

  app.get(
    "/api/v1/admin/users/:id/tokens",
    {
      schema: {
        tags,
        params: IdParams,
        summary: "A user's API tokens (never the secrets)",
        response: {
          200: ok(Type.Object({ tokens: Type.Array(TokenListed) }), "The user's tokens"),
          ...errors(401, 403, 404),
        },
      },
    },
    async (request) => ({
      tokens: await listTokens(ctx, adminOf(request), request.params.id),
    }),
  );

  app.delete(
    "/api/v1/admin/tokens/:id",
    {
      schema: {
        tags,
        summary: "Revoke an API token",
        params: IdParams,
        response: { 204: NoContent, ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await revokeToken(ctx, adminOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/api/v1/admin/audit",
    {
      schema: {
        tags,
        summary: "Read the audit log, newest first",
        querystring: Type.Object({
          username: Type.Optional(Type.String()),
          organisation: Type.Optional(Type.String()),
          action: Type.Optional(Type.String()),
          from: Type.Optional(Type.String({ format: "date-time" })),
          to: Type.Optional(Type.String({ format: "date-time" })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
        }),
        response: {
          200: ok(Type.Object({ events: Type.Array(AuditEvent) }), "Audit events, newest first"),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { from, to, ...q } = request.query;
      const rows = await readAudit(ctx.db, adminOf(request), {
        ...q,
        ...(from ? { from: new Date(from) } : {}),
        ...(to ? { to: new Date(to) } : {}),
      });
      return { events: rows.map((r) => ({ ...r, at: r.at.toISOString() })) };
    },
  );

  app.post(
    "/api/v1/admin/establishments/import",
    {
      bodyLimit: 200 * 1024 * 1024,
      schema: {
        tags,
        summary: "Import the GIAS all-establishment CSV (text/csv body); all or nothing",
        response: {
          200: ok(
            Type.Object({
              added: Type.Integer(),
              updated: Type.Integer(),
              skipped: Type.Array(Type.Object({ line: Type.Integer(), reason: Type.String() })),
            }),
            "Imported; rows skipped, with their line and why",
          ),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => importGias(ctx, adminOf(request), request.body as Buffer),
  );

  app.patch(
    "/api/v1/admin/establishments/:id",
    {
      schema: {
        tags,
        summary: "Ask to change an establishment's notice e-mail",
        description:
          "A new address takes effect only when it confirms, by a link e-mailed to it (7 days); " +
          "the address in use is told. `null` clears it at once (notices then go to each of " +
          "the school's users), and is told too.",
        params: IdParams,
        body: Type.Object({ email: Type.Union([Type.String(), Type.Null()]) }),
        response: {
          202: ok(
            Type.Object({ confirmationSentTo: Type.String() }),
            "Asked; it takes effect when the new address confirms",
          ),
          204: NoContent,
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const asked = await requestNoticeEmail(
        ctx,
        adminOf(request),
        request.params.id,
        request.body.email,
      );
      if (!asked.pending) return reply.status(204).send(null);
      return reply.status(202).send({ confirmationSentTo: asked.confirmationSentTo });
    },
  );
}
