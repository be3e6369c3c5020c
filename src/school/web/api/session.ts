/** Signing in and out through the school side's API, and a user's own password. */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import {
  clearSessionCookie,
  sessionTokenOf,
  setSessionCookie,
} from "../../../platform/web/auth.js";
import { errors, NoContent, ok, SignInBody } from "../../../platform/web/schemas.js";
import { changeOwnPassword } from "../../accounts.js";
import type { MisContext, MisPrincipal } from "../../context.js";
import { misSignIn, misSignOut } from "../../sessions.js";
import { misPrincipalOf } from "../principal.js";

const Me = Type.Object({
  id: Type.String({ format: "uuid" }),
  username: Type.String(),
  role: Type.String({ description: "manager or staff" }),
});

const meOf = (p: MisPrincipal) => ({ id: p.userId, username: p.username, role: p.role });

export function sessionRoutes(fastify: FastifyInstance, ctx: MisContext): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    "/api/v1/session",
    {
      onRequest: app.signInLimit,
      schema: {
        tags: ["session"],
        summary: "Sign in; sets the session cookie",
        description:
          "Managers (and staff, when the school says so) also send `code`: the authenticator's " +
          "6 digits, or a recovery code. Without it the answer is 401 `auth.code-required`, with " +
          "a wrong one 401 `auth.code` (counted as a wrong password). An account that must set " +
          "one up first answers 401 `auth.enrolment-required`, and one whose password someone " +
          "else set 403 `auth.password-change-required`: sign in once on the website.",
        body: SignInBody,
        response: {
          200: ok(Me, "Signed in; the session cookie is set"),
          ...errors(400, 401, 403, 423, 429),
        },
      },
    },
    async (request, reply) => {
      const { username, password, code } = request.body;
      const signed = await misSignIn(ctx, username, password, request.ip, code);
      setSessionCookie(reply, signed.token);
      return meOf(signed.principal);
    },
  );

  app.delete(
    "/api/v1/session",
    { schema: { tags: ["session"], summary: "Sign out", response: { 204: NoContent } } },
    async (request, reply) => {
      const token = sessionTokenOf(request);
      if (token) await misSignOut(ctx, token);
      clearSessionCookie(reply);
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/api/v1/me",
    {
      schema: {
        tags: ["session"],
        summary: "Who am I",
        response: { 200: ok(Me, "The signed-in user"), ...errors(401) },
      },
    },
    async (request) => meOf(misPrincipalOf(request)),
  );

  app.post(
    "/api/v1/me/password",
    {
      schema: {
        tags: ["session"],
        summary:
          "Change your own password: a wrong current one counts toward the lockout; your other sessions end, and with revokeTokens your API tokens too",
        body: Type.Object({
          current: Type.String(),
          password: Type.String(),
          revokeTokens: Type.Optional(
            Type.Boolean({ description: "also revoke every API token of yours" }),
          ),
        }),
        response: { 204: NoContent, ...errors(400, 401, 423) },
      },
    },
    async (request, reply) => {
      const { current, password, revokeTokens } = request.body;
      await changeOwnPassword(
        ctx,
        misPrincipalOf(request),
        current,
        password,
        sessionTokenOf(request),
        { revokeTokens: revokeTokens === true },
      );
      return reply.status(204).send(null);
    },
  );
}
