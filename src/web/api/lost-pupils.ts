import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import type { HubContext } from "../../hub/context.js";
import { type LostPupilQuery, redirect, searchLostPupils } from "../../hub/lost-pupils.js";
import { principalOf } from "../plugins/auth.js";
import { errors, IdParams } from "./schemas.js";

const Criteria = Type.Object({
  surname: Type.Optional(Type.String()),
  forename: Type.Optional(Type.String()),
  sex: Type.Optional(Type.String()),
  dob: Type.Optional(Type.String({ description: "YYYY-MM-DD" })),
  dobFrom: Type.Optional(Type.String()),
  dobTo: Type.Optional(Type.String()),
  upn: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String({ description: "required of administrators" })),
});

export function lostPupilRoutes(app: FastifyInstance, ctx: HubContext): void {
  app.get(
    "/api/v1/lost-pupils",
    {
      schema: {
        tags: ["lost pupils"],
        summary:
          "Search the Lost Pupils and out-of-sector registers (LAs; admins with a reason). Audited.",
        querystring: Criteria,
        response: errors(400, 401, 403),
      },
    },
    async (request) => ({
      pupils: await searchLostPupils(ctx, principalOf(request), request.query as LostPupilQuery),
    }),
  );

  app.post(
    "/api/v1/lost-pupils/search",
    {
      schema: {
        tags: ["lost pupils"],
        summary: "The same search with the criteria in a JSON body, keeping names out of URLs",
        body: Criteria,
        response: errors(400, 401, 403),
      },
    },
    async (request) => ({
      pupils: await searchLostPupils(ctx, principalOf(request), request.body as LostPupilQuery),
    }),
  );

  app.post(
    "/api/v1/transfers/:id/redirect",
    {
      schema: {
        tags: ["lost pupils"],
        summary: "Pass a lost or out-of-sector file on to the school the pupil joined (LAs)",
        params: IdParams,
        body: Type.Object({ to: Type.String({ description: "the school's LAESTAB" }) }),
        response: errors(400, 401, 404, 409),
      },
    },
    async (request) =>
      redirect(
        ctx,
        principalOf(request),
        (request.params as { id: string }).id,
        (request.body as { to: string }).to,
      ),
  );
}
