import type { FastifyInstance } from "fastify";
import type { Selectable } from "kysely";
import { Type } from "typebox";
import type { EstablishmentsTable } from "../../db/schema.js";
import { notFound } from "../../errors.js";
import { readAudit } from "../../hub/audit.js";
import type { HubContext } from "../../hub/context.js";
import { listCorrections } from "../../hub/corrections.js";
import {
  findEstablishment,
  importGias,
  reportCorrection,
  searchEstablishments,
  setEstablishmentEmail,
} from "../../hub/establishments.js";
import { createToken, revokeToken } from "../../hub/tokens.js";
import { listTokens, listUsers } from "../../hub/user-list.js";
import { createUser, resetPassword, setDisabled } from "../../hub/users.js";
import { adminOf, principalOf } from "../plugins/auth.js";
import { errors, IdParams } from "./schemas.js";

/** An establishment as the API shows it (the search leaves out its e-mail). */
function establishmentJson(e: Selectable<EstablishmentsTable>) {
  return {
    laestab: e.laestab,
    urn: e.urn,
    name: e.name,
    la: { code: e.la_code, name: e.la_name },
    type: e.type,
    status: e.status,
    independent: e.independent,
    email: e.email,
  };
}

export function directoryRoutes(app: FastifyInstance, ctx: HubContext): void {
  app.get(
    "/api/v1/establishments",
    {
      schema: {
        tags: ["directory"],
        summary: "Search the directory by name, LAESTAB or URN",
        querystring: Type.Object({ q: Type.Optional(Type.String()) }),
      },
    },
    async (request) => {
      principalOf(request);
      const rows = await searchEstablishments(ctx.db, (request.query as { q?: string }).q ?? "");
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
    { schema: { tags: ["directory"], summary: "My school's record in the directory" } },
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
        tags: ["directory"],
        summary: "Report a correction to my school's details",
        body: Type.Object({ text: Type.String() }),
      },
    },
    async (request, reply) => {
      const row = await reportCorrection(
        ctx,
        principalOf(request),
        (request.body as { text: string }).text,
      );
      return reply.status(201).send({ id: row.id });
    },
  );
}

export function adminRoutes(app: FastifyInstance, ctx: HubContext): void {
  const tags = ["admin"];
  app.post(
    "/api/v1/admin/users",
    {
      schema: {
        tags,
        summary: "Create a user; the password is returned once",
        body: Type.Object({
          username: Type.String(),
          email: Type.String(),
          role: Type.Union([Type.Literal("school"), Type.Literal("la"), Type.Literal("admin")]),
          establishment: Type.Optional(Type.String()),
          laCode: Type.Optional(Type.String()),
          password: Type.Optional(Type.String()),
        }),
        response: errors(400, 401, 403, 409),
      },
    },
    async (request, reply) => {
      const body = request.body as Parameters<typeof createUser>[2];
      const { user, password } = await createUser(ctx, adminOf(request), body);
      return reply
        .status(201)
        .send({ user: { id: user.id, username: user.username, role: user.role }, password });
    },
  );

  app.get(
    "/api/v1/admin/users",
    { schema: { tags, summary: "Every user, without password hashes" } },
    async (request) => ({ users: await listUsers(ctx, adminOf(request)) }),
  );

  app.get(
    "/api/v1/admin/corrections",
    { schema: { tags, summary: "Corrections schools have reported to their details" } },
    async (request) => ({ corrections: await listCorrections(ctx, adminOf(request)) }),
  );

  app.post(
    "/api/v1/admin/users/:id/disable",
    { schema: { tags, params: IdParams, body: Type.Object({ disabled: Type.Boolean() }) } },
    async (request, reply) => {
      await setDisabled(
        ctx,
        adminOf(request),
        (request.params as { id: string }).id,
        (request.body as { disabled: boolean }).disabled,
      );
      return reply.status(204).send();
    },
  );

  app.post(
    "/api/v1/admin/users/:id/reset-password",
    { schema: { tags, params: IdParams } },
    async (request) => ({
      password: await resetPassword(ctx, adminOf(request), (request.params as { id: string }).id),
    }),
  );

  app.post(
    "/api/v1/admin/tokens",
    {
      schema: {
        tags,
        summary: "Issue an API token; shown once",
        body: Type.Object({ username: Type.String(), label: Type.Optional(Type.String()) }),
      },
    },
    async (request, reply) => {
      const body = request.body as { username: string; label?: string };
      return reply
        .status(201)
        .send(await createToken(ctx, adminOf(request), body.username, body.label));
    },
  );

  app.get(
    "/api/v1/admin/users/:id/tokens",
    { schema: { tags, params: IdParams, summary: "A user's API tokens (never the secrets)" } },
    async (request) => ({
      tokens: await listTokens(ctx, adminOf(request), (request.params as { id: string }).id),
    }),
  );

  app.delete(
    "/api/v1/admin/tokens/:id",
    { schema: { tags, params: IdParams } },
    async (request, reply) => {
      await revokeToken(ctx, adminOf(request), (request.params as { id: string }).id);
      return reply.status(204).send();
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
      },
    },
    async (request) => {
      adminOf(request);
      const q = request.query as {
        username?: string;
        organisation?: string;
        action?: string;
        from?: string;
        to?: string;
        limit?: number;
      };
      const rows = await readAudit(ctx.db, adminOf(request), {
        ...q,
        ...(q.from ? { from: new Date(q.from) } : {}),
        ...(q.to ? { to: new Date(q.to) } : {}),
      } as Parameters<typeof readAudit>[2]);
      return { events: rows.map((r) => ({ ...r, at: r.at.toISOString() })) };
    },
  );

  app.post(
    "/api/v1/admin/establishments/import",
    {
      bodyLimit: 200 * 1024 * 1024,
      schema: { tags, summary: "Import the GIAS all-establishment CSV (text/csv body)" },
    },
    async (request) => importGias(ctx, adminOf(request), request.body as Buffer),
  );

  app.patch(
    "/api/v1/admin/establishments/:id",
    {
      schema: {
        tags,
        summary: "Set an establishment's notification e-mail",
        params: IdParams,
        body: Type.Object({ email: Type.Union([Type.String(), Type.Null()]) }),
      },
    },
    async (request, reply) => {
      await setEstablishmentEmail(
        ctx,
        adminOf(request),
        (request.params as { id: string }).id,
        (request.body as { email: string | null }).email,
      );
      return reply.status(204).send();
    },
  );
}
