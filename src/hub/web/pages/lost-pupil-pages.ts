/**
 * The Lost Pupils database and out-of-sector register for local authorities: search by every
 * criterion the API takes (posted, so names never sit in an address), and each register's
 * entries from the LA's own schools, newest first (the register and page alone are in the
 * address). A file found is opened, accepted or passed on from its own page (transfer-pages.ts).
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
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
import { confirmMatch, dismissMatch, listMatches } from "../../register-matches.js";
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

  const CERTAINTY: Record<string, string> = {
    certain: "Certain (UPN and date of birth)",
    probable: "Probable (names and date of birth)",
    "too-close": "Too close to call (two children in the registers match alike)",
  };
  const STATUS: Record<string, string> = {
    open: "waiting for a decision",
    "passed-on": "confirmed, file passed on",
    dismissed: "dismissed",
  };
  const DONE: Record<string, string> = {
    "passed-on": "File passed on. We have e-mailed the school.",
    dismissed: "Dismissed. The reason is kept with the match.",
  };

  const matchesPage = async (
    request: FastifyRequest,
    extra: { errors?: FieldError[]; values?: Record<string, string> } = {},
  ) => {
    const { matches } = await listMatches(ctx, principalOf(request));
    const done = DONE[queryParam(request, "done") ?? ""];
    return {
      title: "Possible found children",
      matches: matches.map((m) => ({
        ...m,
        certaintyText: CERTAINTY[m.certainty] ?? m.certainty,
        statusText: STATUS[m.status] ?? m.status,
      })),
      values: extra.values ?? {},
      ...(extra.errors ? { errors: extra.errors } : {}),
      ...(done && !extra.errors ? { notice: { success: true, text: done } } : {}),
    };
  };

  app.get("/lost-pupils/matches", async (request, reply) =>
    reply.page("lost-pupil-matches", await matchesPage(request)),
  );

  app.post<{ Params: { id: string } }>(
    "/lost-pupils/matches/:id/confirm",
    async (request, reply) => {
      await confirmMatch(ctx, principalOf(request), request.params.id);
      return reply.redirect("/lost-pupils/matches?done=passed-on", 303);
    },
  );

  app.post<{ Params: { id: string } }>(
    "/lost-pupils/matches/:id/dismiss",
    async (request, reply) => {
      const field = `reason-${request.params.id}`;
      const reason = formOf(request).reason ?? "";
      const done = await tryForm(field, () =>
        dismissMatch(ctx, principalOf(request), request.params.id, reason),
      );
      if (!done.ok) {
        const error = { ...done.error, href: `#${field}` };
        return reply
          .status(400)
          .page(
            "lost-pupil-matches",
            await matchesPage(request, { errors: [error], values: { [field]: reason } }),
          );
      }
      return reply.redirect("/lost-pupils/matches?done=dismissed", 303);
    },
  );
}
