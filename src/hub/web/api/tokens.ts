/** A user's own API tokens: listed and revoked here; made on the account page, shown once. */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { errors, IdParams, NoContent, ok, TokenListed } from "../../../contract/hub-api.js";
import type { HubContext } from "../../context.js";
import { revokeToken, tokensOf } from "../../tokens.js";
import { principalOf } from "../principal.js";

export function tokenRoutes(fastify: FastifyInstance, ctx: HubContext): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ["tokens"];

  app.get(
    "/api/v1/tokens",
    {
      schema: {
        tags,
        summary: "Your API tokens (never the secrets); make one on your account page",
        response: {
          200: ok(Type.Object({ tokens: Type.Array(TokenListed) }), "Your tokens"),
          ...errors(401),
        },
      },
    },
    async (request) => ({ tokens: await tokensOf(ctx, principalOf(request).userId) }),
  );

  app.delete(
    "/api/v1/tokens/:id",
    {
      schema: {
        tags,
        summary: "Revoke one of your API tokens",
        params: IdParams,
        response: { 204: NoContent, ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await revokeToken(ctx, principalOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
}
