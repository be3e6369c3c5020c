/** Exports (choose leavers, send), overdue leavers and the hub settings. */
import type { FastifyInstance } from "fastify";
import { fieldError, formOf, queryParam, tryForm } from "../../../platform/web/forms.js";
import { setStaffSecondFactor, staffSecondFactor } from "../../accounts.js";
import type { MisContext } from "../../context.js";
import { destinationNamer } from "../../destination-names.js";
import { exchangeFolder, setExchangeFolder } from "../../exchange-folder.js";
import { createExports, listExports, refreshFromHub, sendSavedExport } from "../../export.js";
import { findExportsByPupilName } from "../../export-search.js";
import { checkHubConnection } from "../../hub-connection.js";
import { leaverFileStates } from "../../leaver-files.js";
import { leaversReport } from "../../leavers-report.js";
import { overdueLeavers } from "../../overdue.js";
import { getSchool, initSchool } from "../../school.js";
import { pageManager, pageUser } from "./register-pages.js";

export function leaverPages(app: FastifyInstance, ctx: MisContext): void {
  /** The page; `extra.exports`, when given (a search's), are the files listed instead of all. */
  async function exportsPage(
    reply: import("fastify").FastifyReply,
    extra: Record<string, unknown> & { exports?: Awaited<ReturnType<typeof listExports>> },
  ) {
    await refreshFromHub(ctx).catch(() => {});
    const exports = extra.exports ?? (await listExports(ctx));
    const files = await leaverFileStates(ctx);
    const named = await destinationNamer(ctx);
    const leavers = await ctx.db
      .selectFrom("pupils")
      .select(["id", "upn", "surname", "forename", "leaving_date", "leaving_destination"])
      .where("leaving_date", "is not", null)
      .orderBy("leaving_date", "desc")
      .limit(200)
      .execute();
    return reply.page("exports", {
      title: "Leavers and exports",
      // Never exported, or their latest file did not arrive: exported (again) from here.
      leavers: leavers.flatMap((l) => {
        const file = files.get(l.id);
        if (file && file.kind !== "not-arrived") return [];
        return [
          {
            ...l,
            destinationName: named(l.leaving_destination ?? ""),
            notArrived: file?.kind === "not-arrived" ? file.why : undefined,
          },
        ];
      }),
      exports,
      exchangeFolder: await exchangeFolder(ctx),
      columnClass: "govuk-grid-column-full",
      ...extra,
    });
  }

  app.get("/exports", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const done = queryParam(request, "done");
    const notices: Record<string, string> = {
      sent: "Files exported and sent to the hub.",
      saved: "Files exported and kept back, not sent.",
      resent: "File sent to the hub.",
    };
    const text = done ? notices[done] : undefined;
    return exportsPage(reply, text ? { notice: { success: true, text } } : {});
  });

  app.post("/exports", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const chosen = ([] as unknown[])
      .concat(body.pupil ?? [])
      .filter((v): v is string => typeof v === "string");
    if (chosen.length === 0)
      return exportsPage(reply.status(400), {
        errors: [fieldError("pupil", "Choose the leavers to export")],
      });
    const send = body.action !== "save";
    const r = await tryForm("pupil", () => createExports(ctx, p, { pupils: chosen, send }));
    if (!r.ok) return exportsPage(reply.status(400), { errors: r.errors });
    return reply.redirect(`/exports?done=${send ? "sent" : "saved"}`, 303);
  });

  app.get("/leavers-report", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const asked = queryParam(request, "year");
    const year = asked === undefined ? undefined : Number(asked);
    const r = await tryForm("year", () => leaversReport(ctx, p, year));
    if (!r.ok)
      return reply
        .status(400)
        .page("leavers-report", { title: "Leavers' report", errors: r.errors });
    return reply.page("leavers-report", {
      title: `Leavers' report ${r.value.label}`,
      report: r.value,
      columnClass: "govuk-grid-column-full",
    });
  });

  // By a pupil's name: posted, never in the address; the list shows only their files.
  app.post("/exports/search", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const q = formOf(request).q ?? "";
    const found = await tryForm("q", () => findExportsByPupilName(ctx, p, q));
    if (!found.ok) return exportsPage(reply.status(400), { search: { q }, errors: [found.error] });
    return exportsPage(reply, { search: { q, total: found.value.length }, exports: found.value });
  });

  app.post<{ Params: { id: string } }>("/exports/:id/send", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const r = await tryForm("pupil", () => sendSavedExport(ctx, p, request.params.id));
    if (!r.ok) return exportsPage(reply.status(409), { errors: r.errors });
    return reply.redirect("/exports?done=resent", 303);
  });

  app.get("/overdue", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    return reply.page("overdue", { title: "Overdue leavers", pupils: await overdueLeavers(ctx) });
  });

  app.get("/settings", async (request, reply) => {
    const p = pageManager(request, reply);
    if (!p) return reply;
    const test = queryParam(request, "test") === "1" ? await checkHubConnection(ctx) : undefined;
    return reply.page("settings", {
      title: "Settings",
      school: await getSchool(ctx),
      test,
      exchangeFolder: await exchangeFolder(ctx),
      staffSecondFactor: await staffSecondFactor(ctx),
      saved: queryParam(request, "saved"),
    });
  });

  app.post("/settings/second-factor", async (request, reply) => {
    const p = pageManager(request, reply);
    if (!p) return reply;
    await setStaffSecondFactor(ctx, p, formOf(request).staff === "yes");
    return reply.redirect("/settings?saved=second-factor", 303);
  });

  app.post("/settings/exchange-folder", async (request, reply) => {
    const p = pageManager(request, reply);
    if (!p) return reply;
    const form = formOf(request);
    const r = await tryForm("exchangeFolder", () =>
      setExchangeFolder(ctx, p, form.exchangeFolder ?? ""),
    );
    if (!r.ok)
      return reply.status(400).page("settings", {
        title: "Settings",
        school: await getSchool(ctx),
        exchangeFolder: form.exchangeFolder,
        staffSecondFactor: await staffSecondFactor(ctx),
        errors: r.errors,
      });
    return reply.redirect("/settings?saved=folder", 303);
  });

  app.post("/settings", async (request, reply) => {
    const p = pageManager(request, reply);
    if (!p) return reply;
    const form = formOf(request);
    const school = await getSchool(ctx);
    const r = await tryForm("hubUrl", () =>
      initSchool(ctx, {
        laestab: school.laestab,
        name: school.name,
        hubUrl: form.hubUrl?.trim() ?? "",
        hubToken: form.hubToken?.trim() ?? "",
      }),
    );
    if (!r.ok)
      return reply.status(400).page("settings", {
        title: "Settings",
        school,
        exchangeFolder: await exchangeFolder(ctx),
        staffSecondFactor: await staffSecondFactor(ctx),
        errors: r.errors,
      });
    return reply.redirect("/settings?test=1", 303);
  });
}
