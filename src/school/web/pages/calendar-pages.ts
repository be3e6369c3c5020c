/**
 * The school's calendar on a page (managers): the days it is closed in a year, which count
 * against no leaver's 15 school days. A year starts from England's usual dates, which become the
 * school's own to change as soon as it changes one.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { dateFromBoxes, formOf, param, queryParam, tryForm } from "../../../platform/web/forms.js";
import {
  addClosure,
  adoptUsualYear,
  closuresBetween,
  ownClosures,
  removeClosure,
  schoolYearOf,
} from "../../calendar.js";
import type { MisContext } from "../../context.js";
import { pageManager } from "./register-pages.js";

const KINDS = [
  { value: "holiday", text: "Holiday" },
  { value: "half-term", text: "Half term" },
  { value: "inset", text: "INSET day (training)" },
  { value: "bank-holiday", text: "Bank holiday" },
];

export function calendarPages(app: FastifyInstance, ctx: MisContext): void {
  const academicYear = () => schoolYearOf(ctx.clock());

  async function calendarPage(reply: FastifyReply, year: number, extra: Record<string, unknown>) {
    const own = await ownClosures(ctx, year);
    const shown =
      own.length > 0 ? own : await closuresBetween(ctx, `${year}-09-01`, `${year + 1}-08-31`);
    return reply.page("calendar", {
      title: "School calendar",
      year,
      own: own.length > 0,
      closures: shown,
      kinds: KINDS,
      values: {},
      ...extra,
    });
  }

  app.get("/calendar", async (request, reply) => {
    if (!pageManager(request, reply)) return reply;
    const asked = Number(queryParam(request, "year"));
    const year = Number.isInteger(asked) && asked > 2000 && asked < 2100 ? asked : academicYear();
    const done = queryParam(request, "done");
    return calendarPage(
      reply,
      year,
      done ? { notice: { success: true, text: "Calendar saved." } } : {},
    );
  });

  app.post("/calendar/closures", async (request, reply) => {
    if (!pageManager(request, reply)) return reply;
    const form = formOf(request);
    const year = Number(form.year) || academicYear();
    const r = await tryForm("firstDay", async () => {
      await adoptUsualYear(ctx, year);
      return addClosure(ctx, {
        firstDay: dateFromBoxes(form, "firstDay"),
        lastDay: dateFromBoxes(form, "lastDay") || dateFromBoxes(form, "firstDay"),
        kind: (form.kind ?? "") as never,
        label: form.label ?? "",
      });
    });
    if (!r.ok) return calendarPage(reply.status(400), year, { errors: r.errors, values: form });
    return reply.redirect(`/calendar?year=${year}&done=saved`, 303);
  });

  app.post("/calendar/closures/:id/remove", async (request, reply) => {
    if (!pageManager(request, reply)) return reply;
    const year = Number(formOf(request).year) || academicYear();
    await removeClosure(ctx, param(request, "id"));
    return reply.redirect(`/calendar?year=${year}&done=saved`, 303);
  });
}
