/**
 * The register's pages: home, finding a pupil, a pupil's record (every area), editing the core
 * details, and recording leaving details.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../../../platform/errors.js";
import {
  boxesOf,
  dateFromBoxes,
  formOf,
  param,
  queryParam,
  tryForm,
} from "../../../platform/web/forms.js";
import { listAssociatedSchools } from "../../associated-schools.js";
import type { MisContext, MisPrincipal } from "../../context.js";
import { listExports } from "../../export.js";
import { intakeCounts } from "../../intake.js";
import { leaverFileStates } from "../../leaver-files.js";
import { LEAVING_REASONS, setLeaving, setLeavingFor } from "../../leaving.js";
import { overdueLeavers } from "../../overdue.js";
import { countPupils, getPupil, listPupils } from "../../pupils.js";
import { areasInWords } from "../../record-gaps.js";
import { getSchool } from "../../school.js";

/** The signed-in user, or off to sign in (returns undefined once redirected). */
export function pageUser(request: FastifyRequest, reply: FastifyReply): MisPrincipal | undefined {
  const p = request.principal as MisPrincipal | undefined;
  if (!p) reply.redirect(`/sign-in?next=${encodeURIComponent(request.url)}`, 303);
  return p;
}

/** As pageUser, for a manager's page: staff are refused. */
export function pageManager(
  request: FastifyRequest,
  reply: FastifyReply,
): MisPrincipal | undefined {
  const p = pageUser(request, reply);
  if (p && p.role !== "manager") throw new AppError("forbidden");
  return p;
}

export function registerPages(app: FastifyInstance, ctx: MisContext): void {
  app.get("/", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    // Counts only: the home page opens no pupil's record and searches no name.
    const [school, onRoll, overdue, exports, intake] = await Promise.all([
      getSchool(ctx),
      countPupils(ctx, "onroll"),
      overdueLeavers(ctx),
      listExports(ctx),
      intakeCounts(ctx),
    ]);
    return reply.page("home", {
      title: "Home",
      school,
      onRoll,
      overdue: overdue.length,
      waiting: exports.filter((e) => e.status === "waiting").length,
      intake,
    });
  });

  app.get("/pupils", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const done = queryParam(request, "done") === "leaving";
    return pupilsPage(reply, p, new URLSearchParams(request.query as Record<string, string>), {
      ...(done
        ? {
            notice: {
              success: true,
              text: "Leaving details saved for the pupils you chose. Export their CTFs from Leavers and exports.",
            },
          }
        : {}),
    });
  });

  app.post("/pupils/leaving", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const form = formOf(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const picked = ([] as unknown[])
      .concat(body.pupil ?? [])
      .filter((v): v is string => typeof v === "string");
    const date = dateFromBoxes(form, "date");
    const r = await tryForm("pupils-leaving", () =>
      setLeavingFor(ctx, p, picked, {
        date,
        reason: form.reason ?? "",
        destination: form.destination ?? "",
      }),
    );
    const back = new URLSearchParams(form.back ?? "");
    if (!r.ok)
      return pupilsPage(reply.status(400), p, back, {
        errors: r.errors,
        leavingForm: form,
        picked,
      });
    back.set("done", "leaving");
    return reply.redirect(`/pupils?${back.toString()}`, 303);
  });

  async function pupilsPage(
    reply: FastifyReply,
    p: MisPrincipal,
    params: URLSearchParams,
    extra: Record<string, unknown>,
  ) {
    const q = params.get("q") ?? "";
    const status = params.get("status") || undefined;
    const year = params.get("year")?.trim() || undefined;
    const group = params.get("group")?.trim() || undefined;
    const page = Number(params.get("page") ?? "1") || 1;
    const found = await listPupils(ctx, p, {
      q,
      ...(status ? { status } : {}),
      ...(year ? { year } : {}),
      ...(group ? { group } : {}),
      page,
    });
    return reply.page("pupils", {
      title: "Pupils",
      q,
      status,
      year,
      group,
      query: new URLSearchParams({
        q,
        status: status ?? "",
        year: year ?? "",
        group: group ?? "",
      }).toString(),
      found,
      pages: Math.max(1, Math.ceil(found.total / found.pageSize)),
      columnClass: "govuk-grid-column-full",
      reasons: LEAVING_REASONS,
      schools: await listAssociatedSchools(ctx),
      picked: [],
      ...extra,
    });
  }

  async function pupilPage(
    request: FastifyRequest,
    reply: FastifyReply,
    p: MisPrincipal,
    extra: Record<string, unknown> = {},
  ) {
    const pupil = await getPupil(ctx, p, param(request, "id"));
    const schools = await listAssociatedSchools(ctx);
    const leaving = pupil.leaving;
    return reply.page("pupil", {
      title: `${pupil.surname}, ${pupil.forename}`,
      pupil,
      gaps: areasInWords(pupil.neverGiven),
      reasons: LEAVING_REASONS,
      schools,
      // The form shows what is recorded, to correct (after a rejected file, say).
      leavingForm: leaving
        ? {
            ...boxesOf("date", leaving.date),
            reason: leaving.reason ?? "",
            destination: leaving.destination ?? "",
          }
        : {},
      file: leaving ? (await leaverFileStates(ctx, [pupil.id])).get(pupil.id) : undefined,
      backLink: "/pupils",
      columnClass: "govuk-grid-column-full",
      ...extra,
    });
  }

  app.get("/pupils/:id", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const done = queryParam(request, "done");
    return pupilPage(request, reply, p, {
      ...(done ? { notice: { success: true, text: DONE[done] ?? "Saved." } } : {}),
    });
  });

  app.post("/pupils/:id/leaving", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const form = formOf(request);
    const date = dateFromBoxes(form, "date");
    const r = await tryForm("date", () =>
      setLeaving(ctx, p, param(request, "id"), {
        date,
        reason: form.reason ?? "",
        destination: form.destination ?? "",
      }),
    );
    if (!r.ok)
      return pupilPage(request, reply.status(400), p, { errors: r.errors, leavingForm: form });
    return reply.redirect(`/pupils/${param(request, "id")}?done=leaving`, 303);
  });
}

const DONE: Record<string, string> = {
  leaving: "Leaving details saved. Export the pupil's CTF from Leavers and exports.",
  details: "Details saved.",
  added: "Pupil added. Record their contacts and other details as the school learns them.",
  contact: "Contact saved.",
  "contact-removed": "Contact removed.",
  address: "Address saved.",
  sen: "Special educational needs saved.",
};
