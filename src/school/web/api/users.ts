/** The school side's users (managers) and each user's own API tokens. */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { AppError } from "../../../platform/errors.js";
import {
  errors,
  IdParams,
  NoContent,
  NullableInteger,
  NullableString,
  ok,
  TokenLifeBody,
  TokenLifeSet,
} from "../../../platform/web/schemas.js";
import { issuePasswordLink, PASSWORD_LINK_HOURS } from "../../accounts.js";
import type { MisContext } from "../../context.js";
import { createMisToken, listMisTokens, revokeMisToken, setMisTokenLife } from "../../tokens.js";
import { createMisUser, listMisUsers, setMisUserDisabled } from "../../users.js";
import { managerOnly, misPrincipalOf } from "../principal.js";

const User = Type.Object({
  id: Type.String({ format: "uuid" }),
  username: Type.String(),
  email: Type.String(),
  role: Type.String({ description: "manager or staff" }),
  disabled: Type.Boolean(),
  secondFactor: Type.Boolean({ description: "signs in with an authenticator app's code" }),
  mustChangePassword: Type.Boolean({ description: "chooses their own password at sign-in" }),
  lockedUntil: NullableString({ format: "date-time", description: "after wrong passwords" }),
  createdAt: Type.String({ format: "date-time" }),
  tokenMaxDays: NullableInteger({
    description:
      "the longest life, in days, of a token this user makes, set by a manager; null: the school side's (MIS_TOKEN_MAX_DAYS)",
  }),
});

const Token = Type.Object({
  id: Type.String({ format: "uuid" }),
  createdAt: Type.String({ format: "date-time" }),
  lastUsedAt: NullableString({ format: "date-time" }),
  revokedAt: NullableString({ format: "date-time" }),
  expiresAt: NullableString({ format: "date-time", description: "null: until revoked" }),
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
    "/api/v1/users/:id/password-link",
    {
      preValidation: managerOnly,
      schema: {
        tags: ["users"],
        summary: `A single-use link for a user to choose a new password (managers), for ${PASSWORD_LINK_HOURS / 24} days; their old password stops working and their sessions end. The manager passes it on and never sees the password.`,
        params: IdParams,
        response: {
          201: ok(
            Type.Object({ link: Type.String(), expiresAt: Type.String({ format: "date-time" }) }),
            "The link, shown this once",
          ),
          ...errors(401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const made = await issuePasswordLink(ctx, misPrincipalOf(request), request.params.id);
      return reply.status(201).send({
        link: `${ctx.config.publicUrl}/sign-in/link/${made.token}`,
        expiresAt: made.expiresAt.toISOString(),
      });
    },
  );

  app.post(
    "/api/v1/users",
    {
      preValidation: managerOnly,
      schema: {
        tags: ["users"],
        summary:
          "Add a user (managers); without a password one is made and returned once. Either way the user chooses their own at their first sign-in.",
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
        // The manager knows it: the user replaces it at their first sign-in.
        changeAtSignIn: true,
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

  app.post(
    "/api/v1/users/:id/token-life",
    {
      preValidation: managerOnly,
      schema: {
        tags: ["users"],
        summary:
          "Set the longest life of the user's API tokens (managers; null: the school side's)",
        description:
          "At most the school side's longest (MIS_TOKEN_MAX_DAYS). A new token the user makes may " +
          "last no longer, and a token they have that would last longer (or until revoked) now " +
          "ends that many days from now. The answer says how many were shortened.",
        params: IdParams,
        body: TokenLifeBody("the school side's"),
        response: {
          200: ok(TokenLifeSet, "Set"),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request) =>
      setMisTokenLife(ctx, misPrincipalOf(request), request.params.id, request.body.tokenMaxDays),
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
      // Before the body is read: a token is refused whatever it sends.
      preValidation: async (request) => {
        // A token making tokens would let a stolen one outlive its revocation.
        if (request.viaToken)
          throw new AppError(
            "forbidden",
            "A token is made from a signed-in session (the account page, or POST /api/v1/session first), never with another token.",
          );
      },
      schema: {
        tags: ["users"],
        summary:
          "Make an API token for yourself, from a signed-in session (never with a token) and your password given again: shown this once, kept only as a hash; it stops working after expiresInDays (at most MIS_TOKEN_MAX_DAYS, 365 by default)",
        body: Type.Object({
          password: Type.String({ description: "your password, entered again" }),
          expiresInDays: Type.Integer({ minimum: 1, description: "days until it stops working" }),
        }),
        response: {
          201: ok(Type.Object({ token: Type.String() }), "The token"),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const p = misPrincipalOf(request);
      const token = await createMisToken(ctx, p, p.username, request.body);
      return reply.status(201).send({ token });
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
