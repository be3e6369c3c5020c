/**
 * The Lost Pupils database and out-of-sector register for local authorities: search by every
 * criterion the API takes (posted, so names never sit in an address), and each register's
 * entries from the LA's own schools, newest first (the register and page alone are in the
 * address). A file found is opened, accepted or passed on from its own page (transfer-pages.ts).
 */
import type { FastifyInstance } from "fastify";
import { isDate } from "../../../ctf/checker.js";
import { forbidden } from "../../../platform/errors.js";
import {
  dateFromBoxes,
  type FieldError,
  type Form,
  fieldError,
  formOf,
  queryParam,
  tryForm,
} from "../../../platform/web/forms.js";
import type { HubContext } from "../../context.js";
import { browseRegister, type LostPupilQuery, searchLostPupils } from "../../lost-pupils.js";
import { canSearchRegisters } from "../../policies/registers.js";
import { principalOf } from "../principal.js";
import { pageParam } from "./file-list.js";

const TEXT_FIELDS = ["surname", "forename", "upn", "from", "sex", "register"] as const;
const DATES = [
  ["dob", "Date of birth"],
  ["dobFrom", "Born on or after"],
  ["dobTo", "Born on or before"],
] as const;

/** The search as the form gives it, or the first field it cannot take, in words. */
function queryFrom(form: Form): { q: LostPupilQuery; errors: FieldError[] } {
  const q: LostPupilQuery = {};
  const errors: FieldError[] = [];
  for (const f of TEXT_FIELDS) {
    const v = form[f]?.trim();
    if (v) q[f] = v;
  }
  for (const [name, label] of DATES) {
    const v = dateFromBoxes(form, name);
    if (!v) continue;
    if (!isDate(v))
      errors.push(fieldError(`${name}-day`, `${label} must be a real date, for example 27 3 2015`));
    else q[name] = v;
  }
  const page = Number(form.page);
  if (Number.isInteger(page) && page > 1) q.page = page;
  return { q, errors };
}

const TITLE = "Lost pupils";

export function lostPupilPages(app: FastifyInstance, ctx: HubContext): void {
  app.get("/lost-pupils", async (request, reply) => {
    const p = principalOf(request);
    if (!canSearchRegisters(p))
      throw forbidden("Only local authorities search the Lost Pupils database.");
    const register = queryParam(request, "register");
    if (register === "lost" || register === "outside") {
      const found = await browseRegister(ctx, p, { register, page: pageParam(request) });
      return reply.page("lost-pupils", {
        title: TITLE,
        browsing: register,
        values: {},
        results: found.pupils,
        page: found.page,
        more: found.more,
      });
    }
    const passedOn = queryParam(request, "done") === "passed-on";
    return reply.page("lost-pupils", {
      title: TITLE,
      values: {},
      notice: passedOn
        ? { success: true, text: "File passed on. We have e-mailed the school." }
        : undefined,
    });
  });

  app.post("/lost-pupils", async (request, reply) => {
    const p = principalOf(request);
    const form = formOf(request);
    const { _csrf: _token, page: _page, ...values } = form;
    const { q, errors } = queryFrom(form);
    if (errors.length > 0)
      return reply.status(400).page("lost-pupils", { title: TITLE, values, errors });
    const done = await tryForm("surname", () => searchLostPupils(ctx, p, q));
    if (!done.ok) {
      // A date's error belongs beside its first box.
      const error = /^#(dob|dobFrom|dobTo)$/.test(done.error.href)
        ? { ...done.error, href: `${done.error.href}-day` }
        : done.error;
      return reply.status(400).page("lost-pupils", { title: TITLE, values, errors: [error] });
    }
    return reply.page("lost-pupils", {
      title: TITLE,
      values,
      results: done.value.pupils,
      page: done.value.page,
      more: done.value.more,
      searched: true,
    });
  });
}
