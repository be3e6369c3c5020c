/** The leavers' report in the API: the same rows the printable page shows. */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { errors, NullableString, ok } from "../../../platform/web/schemas.js";
import type { MisContext } from "../../context.js";
import { leaversReport } from "../../leavers-report.js";
import { misPrincipalOf } from "../principal.js";

export function leaversReportRoutes(fastify: FastifyInstance, ctx: MisContext): void {
  fastify.withTypeProvider<TypeBoxTypeProvider>().get(
    "/api/v1/leavers-report",
    {
      schema: {
        tags: ["leaving"],
        summary:
          "Who left in an academic year (1 September to 31 August), when, why, to where, and whether each file arrived; audited",
        querystring: Type.Object({
          year: Type.Optional(
            Type.Integer({ description: "the academic year's first year: 2026 for 2026/27" }),
          ),
        }),
        response: {
          200: ok(
            Type.Object({
              year: Type.Integer(),
              label: Type.String({ description: "2026/27" }),
              arrived: Type.Integer({ description: "leavers whose file arrived" }),
              leavers: Type.Array(
                Type.Object({
                  id: Type.String(),
                  upn: NullableString(),
                  surname: Type.String(),
                  forename: Type.String(),
                  leavingDate: Type.String(),
                  reason: NullableString(),
                  reasonText: NullableString(),
                  destination: NullableString(),
                  destinationName: NullableString(),
                  file: Type.Object({ kind: Type.String(), text: Type.String() }),
                }),
              ),
            }),
            "The report",
          ),
          ...errors(400, 401),
        },
      },
    },
    async (request) => leaversReport(ctx, misPrincipalOf(request), request.query.year),
  );
}
