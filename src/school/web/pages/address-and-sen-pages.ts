/**
 * A pupil's address and special educational needs edited on pages of their own, each a form
 * that says every problem at once and keeps what was typed.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { CODE_SETS } from "../../../ctf/code-sets.js";
import { boxesOf, dateFromBoxes, formOf, param, tryForm } from "../../../platform/web/forms.js";
import { addressFields, saveAddress } from "../../address-edits.js";
import type { MisContext, MisPrincipal } from "../../context.js";
import { getPupil } from "../../pupils.js";
import { saveSen } from "../../sen-edits.js";
import { pageUser } from "./register-pages.js";

const codes = (set: Readonly<Record<string, string>>) =>
  Object.entries(set).map(([value, text]) => ({ value, text }));

export function addressAndSenPages(app: FastifyInstance, ctx: MisContext): void {
  async function addressPage(
    reply: FastifyReply,
    p: MisPrincipal,
    id: string,
    extra: { values?: Record<string, unknown>; errors?: unknown[] } = {},
  ) {
    const pupil = await getPupil(ctx, p, id);
    return reply.page("address-edit", {
      title: "Change the address",
      pupil,
      values: extra.values ?? addressFields(pupil.addresses[0]),
      backLink: `/pupils/${id}#address`,
      ...(extra.errors ? { errors: extra.errors } : {}),
    });
  }

  app.get("/pupils/:id/address", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    return addressPage(reply, p, param(request, "id"));
  });

  app.post("/pupils/:id/address", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const id = param(request, "id");
    const form = formOf(request);
    const r = await tryForm("house", () => saveAddress(ctx, p, id, form));
    if (!r.ok) return addressPage(reply.status(400), p, id, { values: form, errors: r.errors });
    return reply.redirect(`/pupils/${id}?done=address#address`, 303);
  });

  async function senPage(
    reply: FastifyReply,
    p: MisPrincipal,
    id: string,
    extra: { values?: Record<string, unknown>; errors?: unknown[] } = {},
  ) {
    const pupil = await getPupil(ctx, p, id);
    const current = pupil.senHistory.filter((s) => !s.endDate).at(-1);
    const need = (rank: string) => pupil.senNeeds.find((n) => n.rank === rank)?.type;
    return reply.page("sen-edit", {
      title: "Change special educational needs",
      pupil,
      current,
      values: extra.values ?? {
        provision: current?.provision,
        primaryNeed: need("1"),
        secondaryNeed: need("2"),
        ...boxesOf("startDate", null),
      },
      provisions: codes(CODE_SETS.senProvision.codes),
      needs: codes(CODE_SETS.senType.codes),
      backLink: `/pupils/${id}#sen`,
      ...(extra.errors ? { errors: extra.errors } : {}),
    });
  }

  app.get("/pupils/:id/sen", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    return senPage(reply, p, param(request, "id"));
  });

  app.post("/pupils/:id/sen", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const id = param(request, "id");
    const form = formOf(request);
    const r = await tryForm("provision", () =>
      saveSen(ctx, p, id, { ...form, startDate: dateFromBoxes(form, "startDate") }),
    );
    if (!r.ok) return senPage(reply.status(400), p, id, { values: form, errors: r.errors });
    return reply.redirect(`/pupils/${id}?done=sen#sen`, 303);
  });
}
