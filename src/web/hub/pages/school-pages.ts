/** A school's record as the directory holds it, and a form to report a correction. */
import type { FastifyInstance } from "fastify";
import { notFound } from "../../../errors.js";
import type { HubContext } from "../../../hub/context.js";
import { findEstablishment, reportCorrection } from "../../../hub/establishments.js";
import { principalOf } from "../principal.js";
import { fieldError, formOf, queryParam, tryForm } from "./forms.js";

export function schoolPages(app: FastifyInstance, ctx: HubContext): void {
  const schoolPage = async (request: Parameters<typeof principalOf>[0]) => {
    const p = principalOf(request);
    const school = p.establishment ? await findEstablishment(ctx.db, p.establishment) : undefined;
    if (!school) throw notFound();
    return { p, school };
  };

  app.get("/school", async (request, reply) => {
    const { school } = await schoolPage(request);
    const reported = queryParam(request, "reported") === "1";
    return reply.page("school", {
      title: "School details",
      school,
      notice: reported
        ? { success: true, text: "Thank you. The S2S administrators will check your correction." }
        : undefined,
    });
  });

  app.post("/school/correction", async (request, reply) => {
    const { p, school } = await schoolPage(request);
    const text = formOf(request).text ?? "";
    const done = text.trim()
      ? await tryForm("text", () => reportCorrection(ctx, p, text))
      : ({ ok: false, error: fieldError("text", "Describe what is wrong") } as const);
    if (done.ok) return reply.redirect("/school?reported=1", 303);
    return reply
      .status(400)
      .page("school", { title: "School details", school, errors: [done.error], text });
  });
}
