/** Editing a pupil's core details on a page of its own: every field the API edits. */
import type { FastifyInstance, FastifyReply } from "fastify";
import { boxesOf, dateFromBoxes, formOf, param, tryForm } from "../../../platform/web/forms.js";
import type { MisContext, MisPrincipal } from "../../context.js";
import { type CoreDetails, NC_YEARS, updatePupil } from "../../pupil-edits.js";
import { getPupil, PUPIL_STATUSES } from "../../pupils.js";
import { pageUser } from "./register-pages.js";

const text = (v: string | undefined) => (v?.trim() ? v.trim() : null);

export function pupilEditPages(app: FastifyInstance, ctx: MisContext): void {
  async function editPage(
    reply: FastifyReply,
    p: MisPrincipal,
    id: string,
    extra: { values?: Record<string, unknown>; errors?: unknown[] } = {},
  ) {
    const pupil = await getPupil(ctx, p, id);
    return reply.page("pupil-edit", {
      title: `Edit ${pupil.surname}, ${pupil.forename}`,
      pupil,
      values: extra.values ?? {
        ...pupil,
        ...boxesOf("dob", pupil.dob),
        ...boxesOf("admissionDate", pupil.admissionDate),
      },
      ncYears: NC_YEARS,
      statuses: PUPIL_STATUSES,
      backLink: `/pupils/${id}`,
      ...(extra.errors ? { errors: extra.errors } : {}),
    });
  }

  app.get("/pupils/:id/edit", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    return editPage(reply, p, param(request, "id"));
  });

  app.post("/pupils/:id/details", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const id = param(request, "id");
    const form = formOf(request);
    const details: CoreDetails = {
      upn: text(form.upn)?.toUpperCase() ?? null,
      surname: form.surname ?? "",
      forename: form.forename ?? "",
      middleNames: text(form.middleNames),
      preferredForename: text(form.preferredForename),
      preferredSurname: text(form.preferredSurname),
      formerSurname: text(form.formerSurname),
      dob: dateFromBoxes(form, "dob"),
      sex: form.sex ?? "",
      ncYear: text(form.ncYear),
      regGroup: text(form.regGroup),
      admissionDate: dateFromBoxes(form, "admissionDate") || null,
      ...(form.status ? { status: form.status } : {}),
    };
    const r = await tryForm("surname", () => updatePupil(ctx, p, id, details));
    if (!r.ok) return editPage(reply.status(400), p, id, { values: form, errors: [r.error] });
    return reply.redirect(`/pupils/${id}?done=details`, 303);
  });
}
