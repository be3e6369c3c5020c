/**
 * A school's record as the directory holds it, a form to report a correction, and the school's
 * choice to require a second factor of its users.
 */
import type { FastifyInstance } from "fastify";
import { notFound } from "../../../platform/errors.js";
import { fieldError, formOf, queryParam, tryForm } from "../../../platform/web/forms.js";
import type { HubContext } from "../../context.js";
import { findEstablishment, reportCorrection } from "../../establishments.js";
import { setSchoolSecondFactor } from "../../second-factor.js";
import { principalOf } from "../principal.js";

export function schoolPages(app: FastifyInstance, ctx: HubContext): void {
  const schoolPage = async (request: Parameters<typeof principalOf>[0]) => {
    const p = principalOf(request);
    const school = p.establishment ? await findEstablishment(ctx.db, p.establishment) : undefined;
    if (!school) throw notFound();
    return { p, school };
  };

  app.get("/school", async (request, reply) => {
    const { school } = await schoolPage(request);
    const done = queryParam(request, "done");
    const notices: Record<string, string> = {
      reported: "Thank you. The S2S administrators will check your correction.",
      "second-factor-on": "Everyone at your school now needs a second factor to sign in.",
      "second-factor-off": "A second factor is now each user's own choice.",
    };
    return reply.page("school", {
      title: "School details",
      school,
      notice: done && notices[done] ? { success: true, text: notices[done] } : undefined,
    });
  });

  app.post("/school/correction", async (request, reply) => {
    const { p, school } = await schoolPage(request);
    const text = formOf(request).text ?? "";
    const done = text.trim()
      ? await tryForm("text", () => reportCorrection(ctx, p, text))
      : ({ ok: false, error: fieldError("text", "Describe what is wrong") } as const);
    if (done.ok) return reply.redirect("/school?done=reported", 303);
    return reply
      .status(400)
      .page("school", { title: "School details", school, errors: [done.error], text });
  });

  app.post("/school/second-factor", async (request, reply) => {
    const { p } = await schoolPage(request);
    const required = formOf(request).required === "yes";
    await setSchoolSecondFactor(ctx, p, required);
    return reply.redirect(`/school?done=second-factor-${required ? "on" : "off"}`, 303);
  });
}
