/** The school side's users (managers) and each user's own API tokens. */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { errors, IdParams, NoContent, NullableString, ok } from "../../../platform/web/schemas.js";
import type { MisContext } from "../../context.js";
import { createMisToken, listMisTokens, revokeMisToken } from "../../tokens.js";
import { createMisUser, listMisUsers, setMisUserDisabled } from "../../users.js";
import { managerOnly, misPrincipalOf } from "../principal.js";

const User = Type.Object({
  id: Type.String({ format: "uuid" }),
  username: Type.String(),
  email: Type.String(),
  role: Type.String({ description: "manager or staff" }),
  disabled: Type.Boolean(),
  lockedUntil: NullableString({ format: "date-time", description: "after wrong passwords" }),
  createdAt: Type.String({ format: "date-time" }),
});

const Token = Type.Object({
  id: Type.String({ format: "uuid" }),
  createdAt: Type.String({ format: "date-time" }),
  lastUsedAt: NullableString({ format: "date-time" }),
  revokedAt: NullableString({ format: "date-time" }),
});

export function userRoutes(fastify: FastifyInstance, ctx: MisContext): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    "/api/v1/users",
    {
      preValidation: managerOnly,
      schema: {
        tags: ["users"],
        summary: "The school side's users (managers)",
        response: {
          200: ok(Type.Object({ users: Type.Array(User) }), "Users"),
          ...errors(401, 403),
        },
      },
    },
    async (request) => ({ users: await listMisUsers(ctx, misPrincipalOf(request)) }),
  );

  app.post(
    "/api/v1/users",
    {
      preValidation: managerOnly,
      schema: {
        tags: ["users"],
        summary: "Add a user (managers); without a password one is made and returned once",
        body: Type.Object({
          username: Type.String(),
          email: Type.String(),
          role: Type.String({ description: "manager or staff" }),
          password: Type.Optional(Type.String()),
        }),
        response: {
          201: ok(
            Type.Object({ id: Type.String(), password: Type.Optional(Type.String()) }),
            "The user, and the password made for them if none was given",
          ),
          ...errors(400, 401, 403, 409),
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const made = await createMisUser(ctx, misPrincipalOf(request), {
        username: body.username,
        email: body.email,
        role: body.role as "manager" | "staff",
        ...(body.password === undefined ? {} : { password: body.password }),
      });
      return reply.status(201).send(made);
    },
  );

  for (const [action, disabled] of [
    ["disable", true],
    ["enable", false],
  ] as const)
    app.post(
      `/api/v1/users/:id/${action}`,
      {
        preValidation: managerOnly,
        schema: {
          tags: ["users"],
          summary: disabled
            ? "Disable a user: their sessions end and their tokens stop working (managers)"
            : "Enable a user again, lifting any lockout (managers)",
          params: IdParams,
          response: { 204: NoContent, ...errors(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        await setMisUserDisabled(ctx, misPrincipalOf(request), request.params.id, disabled);
        return reply.status(204).send(null);
      },
    );

  app.get(
    "/api/v1/tokens",
    {
      schema: {
        tags: ["users"],
        summary: "Your API tokens (never their secrets)",
        response: { 200: ok(Type.Object({ tokens: Type.Array(Token) }), "Tokens"), ...errors(401) },
      },
    },
    async (request) => ({ tokens: await listMisTokens(ctx, misPrincipalOf(request)) }),
  );

  app.post(
    "/api/v1/tokens",
    {
      schema: {
        tags: ["users"],
        summary: "Make an API token for yourself: shown this once, kept only as a hash",
        response: {
          201: ok(Type.Object({ token: Type.String() }), "The token"),
          ...errors(401),
        },
      },
    },
    async (request, reply) => {
      const p = misPrincipalOf(request);
      return reply.status(201).send({ token: await createMisToken(ctx, p, p.username) });
    },
  );

  app.delete(
    "/api/v1/tokens/:id",
    {
      schema: {
        tags: ["users"],
        summary: "Revoke one of your tokens (a manager may revoke anyone's)",
        params: IdParams,
        response: { 204: NoContent, ...errors(401, 404) },
      },
    },
    async (request, reply) => {
      await revokeMisToken(ctx, misPrincipalOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
}
