/**
 * The Lost Pupils database and out-of-sector register for local authorities: search (posted, so
 * names never sit in an address). A file found is opened, accepted or passed on from its own
 * page (transfer-pages.ts).
 */
import type { FastifyInstance } from "fastify";
import { forbidden } from "../../../errors.js";
import type { HubContext } from "../../../hub/context.js";
import { type LostPupilQuery, searchLostPupils } from "../../../hub/lost-pupils.js";
import { canSearchRegisters } from "../../../hub/policies/registers.js";
import { principalOf } from "../principal.js";
import { type Form, formOf, queryParam, tryForm } from "./forms.js";

const FIELDS = ["surname", "forename", "dob", "upn"] as const;

function queryFrom(form: Form): LostPupilQuery {
  const q: LostPupilQuery = {};
  for (const f of FIELDS) {
    const v = form[f]?.trim();
    if (v) q[f] = v;
  }
  const page = Number(form.page);
  if (Number.isInteger(page) && page > 1) q.page = page;
  return q;
}

export function lostPupilPages(app: FastifyInstance, ctx: HubContext): void {
  app.get("/lost-pupils", async (request, reply) => {
    const p = principalOf(request);
    if (!canSearchRegisters(p))
      throw forbidden("Only local authorities search the Lost Pupils database.");
    const passedOn = queryParam(request, "done") === "passed-on";
    return reply.page("lost-pupils", {
      title: "Lost pupils",
      values: {},
      notice: passedOn
        ? { success: true, text: "File passed on. We have e-mailed the school." }
        : undefined,
    });
  });

  app.post("/lost-pupils", async (request, reply) => {
    const p = principalOf(request);
    const form = formOf(request);
    const done = await tryForm("surname", () => searchLostPupils(ctx, p, queryFrom(form)));
    if (!done.ok) {
      return reply.status(400).page("lost-pupils", {
        title: "Lost pupils",
        values: form,
        errors: [done.error],
      });
    }
    return reply.page("lost-pupils", {
      title: "Lost pupils",
      values: form,
      results: done.value.pupils,
      page: done.value.page,
      more: done.value.more,
      searched: true,
    });
  });
}
