/** Accounts waiting for their organisation's approval, and the decision (account-approvals.ts). */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { errors, IdParams, NoContent, ok } from "../../../contract/hub-api.js";
import { approvalsFor, decideApproval } from "../../account-approvals.js";
import type { HubContext } from "../../context.js";
import { principalOf } from "../principal.js";

const Waiting = Type.Object({
  id: Type.String({ format: "uuid" }),
  username: Type.String(),
  email: Type.String(),
  role: Type.Union([Type.Literal("school"), Type.Literal("la")]),
  organisation: Type.String({ description: "the school or LA, by name and number" }),
  requestedAt: Type.String({ format: "date-time" }),
});

export function approvalRoutes(fastify: FastifyInstance, ctx: HubContext): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ["approvals"];

  app.get(
    "/api/v1/approvals",
    {
      schema: {
        tags,
        summary:
          "Accounts an administrator made for your organisation, waiting for your approval (administrators: those of organisations with no users yet, made by another administrator)",
        response: {
          200: ok(Type.Object({ accounts: Type.Array(Waiting) }), "Waiting accounts"),
          ...errors(401),
        },
      },
    },
    async (request) => ({ accounts: await approvalsFor(ctx, principalOf(request)) }),
  );

  for (const decision of ["approve", "decline"] as const)
    app.post(
      `/api/v1/approvals/:id/${decision}`,
      {
        schema: {
          tags,
          summary:
            decision === "approve"
              ? "Approve an account: it opens, and its user is e-mailed a link to choose a password"
              : "Decline an account: it is deleted",
          params: IdParams,
          response: { 204: NoContent, ...errors(401, 403, 404) },
        },
      },
      async (request, reply) => {
        await decideApproval(ctx, { actor: principalOf(request) }, request.params.id, decision);
        return reply.status(204).send(null);
      },
    );
}
