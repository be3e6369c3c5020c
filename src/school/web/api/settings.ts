/**
 * The school's settings a manager changes through the API: the data exchange folder, and whether
 * staff too must sign in with a second factor.
 */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { errors, NullableString, ok } from "../../../platform/web/schemas.js";
import { setStaffSecondFactor, staffSecondFactor } from "../../accounts.js";
import type { MisContext } from "../../context.js";
import { exchangeFolder, setExchangeFolder } from "../../exchange-folder.js";
import { getSchool } from "../../school.js";
import { managerOnly, misManagerOf } from "../principal.js";

const Settings = Type.Object({
  laestab: Type.String(),
  name: Type.String(),
  hubUrl: NullableString(),
  exchangeFolder: NullableString({
    description: "where files exported with send: false are written; null keeps them here only",
  }),
  staffSecondFactor: Type.Boolean({
    description: "staff too must sign in with a second factor (managers always must)",
  }),
});

export function settingsRoutes(fastify: FastifyInstance, ctx: MisContext): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const current = async () => {
    const school = await getSchool(ctx);
    return {
      ...school,
      exchangeFolder: await exchangeFolder(ctx),
      staffSecondFactor: await staffSecondFactor(ctx),
    };
  };

  app.get(
    "/api/v1/settings",
    {
      preValidation: managerOnly,
      schema: {
        tags: ["settings"],
        summary: "The school's settings (managers)",
        response: { 200: ok(Settings, "Settings"), ...errors(401, 403) },
      },
    },
    async (request) => {
      misManagerOf(request);
      return current();
    },
  );

  app.patch(
    "/api/v1/settings",
    {
      preValidation: managerOnly,
      schema: {
        tags: ["settings"],
        summary:
          "Change the data exchange folder (an existing folder this service may write to; empty to clear), or whether staff need a second factor",
        body: Type.Object({
          exchangeFolder: Type.Optional(Type.String()),
          staffSecondFactor: Type.Optional(Type.Boolean()),
        }),
        response: { 200: ok(Settings, "Settings"), ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const manager = misManagerOf(request);
      const { exchangeFolder: folder, staffSecondFactor } = request.body;
      if (folder !== undefined) await setExchangeFolder(ctx, manager, folder);
      if (staffSecondFactor !== undefined)
        await setStaffSecondFactor(ctx, manager, staffSecondFactor);
      return current();
    },
  );
}
