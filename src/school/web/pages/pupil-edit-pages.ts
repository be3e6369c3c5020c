/**
 * Adding a pupil by hand, and editing a pupil's core details, on a page of its own: every field
 * the API takes, with the same checks (one function does the work for both).
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { boxesOf, dateFromBoxes, formOf, param, tryForm } from "../../../platform/web/forms.js";
import type { MisContext, MisPrincipal } from "../../context.js";
import { type CoreDetails, createPupil, NC_YEARS, updatePupil } from "../../pupil-edits.js";
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
      heading: "Edit core details",
      action: `/pupils/${id}/details`,
      saveText: "Save details",
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
    const r = await tryForm("surname", () => updatePupil(ctx, p, id, detailsOf(form)));
    if (!r.ok) return editPage(reply.status(400), p, id, { values: form, errors: r.errors });
    return reply.redirect(`/pupils/${id}?done=details`, 303);
  });

  const newPage = (reply: FastifyReply, values: Record<string, unknown>, errors?: unknown[]) =>
    reply.page("pupil-edit", {
      title: "Add a pupil",
      heading: "Add a pupil",
      action: "/pupils/new",
      saveText: "Add pupil",
      values,
      ncYears: NC_YEARS,
      statuses: PUPIL_STATUSES,
      backLink: "/pupils",
      ...(errors ? { errors } : {}),
    });

  app.get("/pupils/new", async (request, reply) => {
    if (!pageUser(request, reply)) return reply;
    return newPage(reply, { status: "onroll" });
  });

  app.post("/pupils/new", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const form = formOf(request);
    const r = await tryForm("surname", () => createPupil(ctx, p, detailsOf(form)));
    if (!r.ok) return newPage(reply.status(400), form, r.errors);
    return reply.redirect(`/pupils/${r.value.id}?done=added`, 303);
  });
}

/** The core details as the form gives them: a blank box clears an optional one. */
function detailsOf(form: Record<string, string | undefined>): CoreDetails {
  return {
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
    ...(form.medicalFlag ? { medicalFlag: form.medicalFlag } : {}),
    ...(form.status ? { status: form.status } : {}),
  };
}
