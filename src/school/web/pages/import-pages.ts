/**
 * Importing on pages: the files to import and the history; one import's pupils with their
 * matches and a decision each; the field-by-field preview of a merge; commit and undo.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { academicYearOf } from "../../../ctf/version.js";
import { AppError } from "../../../platform/errors.js";
import { askToConfirm, confirmed } from "../../../platform/web/confirm.js";
import { checkFormToken } from "../../../platform/web/csrf.js";
import {
  dateFromBoxes,
  fieldError,
  formOf,
  param,
  queryParam,
  tryForm,
} from "../../../platform/web/forms.js";
import { misAudit } from "../../audit.js";
import type { MisContext, MisPrincipal } from "../../context.js";
import { importedPupils } from "../../import-outcome.js";
import { undoImport } from "../../import-undo.js";
import {
  commitImport,
  createImport,
  type Decision,
  getImport,
  listImports,
  listIncoming,
  previewImport,
} from "../../imports.js";
import type { ImportSource } from "../../incoming.js";
import { AREAS, FIELD_CODE_ITEMS, FIELD_NAMES } from "../../merge.js";
import { NC_YEARS } from "../../pupil-edits.js";
import { pageUser } from "./register-pages.js";

/** Each area in the words a school office uses. */
const AREA_NAMES: Record<string, string> = {
  details: "Basic details",
  address: "Address",
  phones: "Phones",
  contacts: "Contacts",
  languages: "Languages",
  disabilities: "Disabilities",
  lookedAfter: "Looked after",
  sen: "SEN",
  fsm: "Free school meals",
  attendance: "Attendance",
  assessments: "Assessments",
  schoolHistory: "School history",
  other: "Other information (as it came)",
};

const DONE: Record<string, string> = {
  committed: "Import done. The pupils are in the register.",
  undone: "Import undone.",
};

/** The most pupils a file may have for its import page to ask about each one. */
export const CHOOSE_EACH_UP_TO = 200;

export function importPages(app: FastifyInstance, ctx: MisContext): void {
  async function listPage(reply: FastifyReply, extra: Record<string, unknown> = {}) {
    const [incoming, history] = await Promise.all([listIncoming(ctx), listImports(ctx)]);
    return reply.page("imports", {
      title: "Import CTFs",
      files: incoming.files,
      problems: incoming.problems,
      history,
      columnClass: "govuk-grid-column-full",
      ...extra,
    });
  }

  app.get("/imports", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    return listPage(reply);
  });

  async function start(reply: FastifyReply, p: MisPrincipal, source: ImportSource, again: boolean) {
    const r = await tryForm("files", () => createImport(ctx, p, source, { again }));
    if (!r.ok) return listPage(reply.status(400), { errors: r.errors });
    return reply.redirect(`/imports/${r.value.id}`, 303);
  }

  app.post("/imports", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const form = formOf(request);
    const source: ImportSource | undefined = form.transfer
      ? { transfer: form.transfer }
      : form.file
        ? { file: form.file }
        : undefined;
    if (!source)
      return listPage(reply.status(400), {
        errors: [fieldError("files", "Choose a file to import")],
      });
    return start(reply, p, source, form.again === "true");
  });

  // Multipart: the form's token is its first field, checked before the file is read.
  app.post("/imports/upload", { config: { formTokenInBody: true } }, async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    if (!request.isMultipart()) throw new AppError("invalid", "Choose a file to upload.");
    let checked = false;
    for await (const part of request.parts()) {
      if (part.type === "field" && part.fieldname === "_csrf") {
        checkFormToken(request, part.value);
        checked = true;
      } else if (part.type === "file" && part.fieldname === "upload") {
        if (!checked) throw new AppError("form.expired");
        const bytes = new Uint8Array(await part.toBuffer());
        if (bytes.length === 0)
          return listPage(reply.status(400), {
            errors: [fieldError("upload", "Choose a CTF file to upload")],
          });
        return start(reply, p, { upload: { fileName: part.filename, bytes } }, false);
      } else if (part.type === "file") {
        // Read past unread: the next part never comes while a file part waits to be read.
        part.file.resume();
      }
    }
    if (!checked) throw new AppError("form.expired");
    return listPage(reply.status(400), {
      errors: [fieldError("upload", "Choose a CTF file to upload")],
    });
  });

  async function importPage(
    reply: FastifyReply,
    p: MisPrincipal,
    id: string,
    extra: Record<string, unknown> = {},
  ) {
    const imp = await getImport(ctx, id);
    const [record] = imp.status === "proposed" ? [] : await listImports(ctx, id);
    // Who each match is in the register, so the choice is between people, not ids.
    const ids = [...new Set(imp.pupils.flatMap((x) => x.matches.map((m) => m.pupil)))];
    const named =
      imp.status === "proposed" && ids.length > 0
        ? await ctx.db
            .selectFrom("pupils")
            .select(["id", "surname", "forename", "upn", "reg_group", "status"])
            .where("id", "in", ids)
            .execute()
        : [];
    if (named.length > 0)
      await misAudit(ctx.db, p, "pupils.search", `import:${id}`, { matches: named.length });
    const certain = (x: (typeof imp.pupils)[number]) => x.matches.some((m) => m.certain);
    return reply.page("import", {
      title: `Import ${imp.fileName}`,
      imp,
      // Past this, a choice for each pupil made a page of tens of megabytes that took half a
      // minute to make (6,000 pupils): only the pupils a person must choose for get one.
      chooseEach: imp.pupils.length <= CHOOSE_EACH_UP_TO,
      byUpn: imp.pupils.filter(certain).length,
      unmatched: imp.pupils.filter((x) => x.matches.length === 0).length,
      resembling: imp.pupils.filter((x) => x.matches.length > 0 && !certain(x)).length,
      record,
      changed: imp.status === "committed" ? await importedPupils(ctx, p, id) : [],
      // One file after another: the next one waiting, straight from the one just imported.
      next:
        imp.status === "committed"
          ? (await listIncoming(ctx)).files.find((f) => !f.importedBefore)
          : undefined,
      named: Object.fromEntries(named.map((n) => [n.id, n])),
      regGroups: (
        await ctx.db
          .selectFrom("pupils")
          .select("reg_group")
          .distinct()
          .where("status", "=", "onroll")
          .where("reg_group", "is not", null)
          .orderBy("reg_group")
          .execute()
      ).map((g) => g.reg_group),
      // September's new starters: the group a future admission usually joins.
      intakeGroup: `Intake ${academicYearOf(ctx.clock()) + 1}`,
      areas: AREAS.map((a) => ({ value: a, text: AREA_NAMES[a] })),
      ncYears: NC_YEARS,
      backLink: "/imports",
      columnClass: "govuk-grid-column-full",
      values: {},
      ...extra,
    });
  }

  app.get("/imports/:id", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const done = DONE[queryParam(request, "done") ?? ""];
    return importPage(
      reply,
      p,
      param(request, "id"),
      done ? { notice: { success: true, text: done } } : {},
    );
  });

  app.get("/imports/:id/preview", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const id = param(request, "id");
    const position = Number(queryParam(request, "position"));
    const pupil = queryParam(request, "pupil");
    const query = request.query as Record<string, string | string[] | undefined>;
    const take = ([] as string[]).concat(query.take ?? []).filter((t) => t !== "");
    const preview = await previewImport(ctx, p, id, {
      position,
      ...(pupil ? { pupil } : {}),
      take,
    });
    const imp = await getImport(ctx, id);
    return reply.page("import-preview", {
      title: "What the import would change",
      imp,
      proposal: imp.pupils.find((x) => x.position === position),
      preview,
      take,
      areaNames: AREA_NAMES,
      fieldNames: FIELD_NAMES,
      codeItems: FIELD_CODE_ITEMS,
      areas: AREAS.map((a) => ({ value: a, text: AREA_NAMES[a], checked: take.includes(a) })),
      backLink: `/imports/${id}`,
      columnClass: "govuk-grid-column-full",
    });
  });

  // Every pupil's choices in one form: a few hundred bytes a pupil, for files of thousands.
  app.post("/imports/:id/commit", { bodyLimit: 8 * 1024 * 1024 }, async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const id = param(request, "id");
    const form = formOf(request);
    const body = (request.body ?? {}) as Record<string, string | string[] | undefined>;
    const imp = await getImport(ctx, id);
    const decisions: Decision[] = [];
    for (const pupil of imp.pupils) {
      // A long file's page asks only whether to skip the pupils it merges or adds unasked.
      const chosen =
        form[`skip-${pupil.position}`] === "yes" ? "skip" : form[`decision-${pupil.position}`];
      if (!chosen) continue;
      const take = ([] as string[]).concat(body[`take-${pupil.position}`] ?? []);
      // This pupil's own admission, where it differs from the whole import's.
      const ownDate = dateFromBoxes(form, `admissionDate-${pupil.position}`);
      const ownYear = form[`ncYear-${pupil.position}`];
      const ownGroup = form[`regGroup-${pupil.position}`]?.trim();
      const own = {
        ...(ownDate ? { admissionDate: ownDate } : {}),
        ...(ownYear ? { ncYear: ownYear } : {}),
        ...(ownGroup ? { regGroup: ownGroup } : {}),
      };
      if (chosen === "new" || chosen === "skip")
        decisions.push({ position: pupil.position, action: chosen, ...own });
      else if (chosen.startsWith("merge:"))
        decisions.push({
          position: pupil.position,
          action: "merge",
          pupil: chosen.slice(6),
          ...(take.length > 0 ? { take } : {}),
          ...own,
        });
    }
    const admissionDate = dateFromBoxes(form, "admissionDate");
    const r = await tryForm("admissionDate", () =>
      commitImport(ctx, p, id, {
        admissionDate,
        ...(form.ncYear ? { ncYear: form.ncYear } : {}),
        ...(form.regGroup?.trim() ? { regGroup: form.regGroup.trim() } : {}),
        decisions,
      }),
    );
    if (!r.ok) {
      // An error about the decisions belongs beside the pupils, not the date.
      const error = r.error.href === "#decisions" ? { ...r.error, href: "#pupils" } : r.error;
      return importPage(reply.status(400), p, id, { errors: [error], values: form });
    }
    return reply.redirect(`/imports/${id}?done=committed`, 303);
  });

  app.post("/imports/:id/undo", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const id = param(request, "id");
    // Undoing removes pupils from the register: say what it takes back, and ask first.
    if (!confirmed(request)) {
      const imp = await getImport(ctx, id);
      const [record] = imp.status === "committed" ? await listImports(ctx, id) : [];
      if (record) {
        const pupils = (n: number) => `${n} pupil${n === 1 ? "" : "s"}`;
        return askToConfirm(request, reply, {
          title: `Undo the import of ${imp.fileName}?`,
          lines: [
            `The ${pupils(record.added)} it added will be removed from your register.`,
            `The ${pupils(record.merged)} it merged will go back to what they were before it.`,
            "Anything changed by hand since the import stays as it is, and the page will list it.",
          ],
          button: "Yes, undo this import",
          destructive: true,
          cancel: `/imports/${id}`,
        });
      }
    }
    const r = await tryForm("undo", () => undoImport(ctx, p, id));
    if (!r.ok) return importPage(reply.status(409), p, id, { errors: r.errors });
    return reply.redirect(`/imports/${id}?done=undone`, 303);
  });
}
