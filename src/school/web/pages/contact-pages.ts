/** A pupil's contacts edited on pages: add one, change one, remove one (asked first). */
import type { FastifyInstance, FastifyReply } from "fastify";
import { CODE_SETS } from "../../../ctf/code-sets.js";
import { askToConfirm, confirmed } from "../../../platform/web/confirm.js";
import { formOf, param, tryForm } from "../../../platform/web/forms.js";
import { type ContactInput, removeContact, saveContact } from "../../contact-edits.js";
import type { MisContext, MisPrincipal } from "../../context.js";
import { getPupil } from "../../pupils.js";
import { pageUser } from "./register-pages.js";

const PHONES = 3;

const codes = (set: Readonly<Record<string, string>>) =>
  Object.entries(set).map(([value, text]) => ({ value, text }));

function inputOf(form: Record<string, string | undefined>): ContactInput {
  return {
    title: form.title,
    forename: form.forename,
    surname: form.surname,
    relationship: form.relationship,
    responsibility: form.responsibility,
    email: form.email,
    phones: Array.from({ length: PHONES }, (_, i) => ({
      type: form[`phoneType-${i + 1}`],
      number: form[`phone-${i + 1}`],
    })),
  };
}

/** A contact as the form's fields. */
function valuesOf(c: Record<string, unknown>): Record<string, unknown> {
  const phones = (c.phones ?? []) as { type?: string; number?: string }[];
  return {
    ...c,
    ...Object.fromEntries(
      phones.flatMap((ph, i) => [
        [`phone-${i + 1}`, ph.number],
        [`phoneType-${i + 1}`, ph.type],
      ]),
    ),
  };
}

export function contactPages(app: FastifyInstance, ctx: MisContext): void {
  async function formPage(
    reply: FastifyReply,
    p: MisPrincipal,
    id: string,
    n: number | null,
    extra: { values?: Record<string, unknown>; errors?: unknown[] } = {},
  ) {
    const pupil = await getPupil(ctx, p, id);
    const contact = n === null ? undefined : (pupil.contacts[n - 1] as Record<string, unknown>);
    if (n !== null && !contact) return reply.status(404).page("error", { title: "Not found" });
    return reply.page("contact-edit", {
      title: n === null ? "Add a contact" : "Change a contact",
      pupil,
      n,
      values: extra.values ?? (contact ? valuesOf(contact) : {}),
      relationships: codes(CODE_SETS.relationship.codes),
      phoneTypes: codes(CODE_SETS.telephoneType.codes),
      phoneSlots: Array.from({ length: PHONES }, (_, i) => i + 1),
      backLink: `/pupils/${id}#contacts`,
      ...(extra.errors ? { errors: extra.errors } : {}),
    });
  }
  const number = (request: Parameters<typeof param>[0]) => {
    const n = Number(param(request, "n"));
    return Number.isInteger(n) && n >= 1 && n <= 100 ? n : 0;
  };

  app.get("/pupils/:id/contacts/new", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    return formPage(reply, p, param(request, "id"), null);
  });

  app.post("/pupils/:id/contacts/new", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const id = param(request, "id");
    const form = formOf(request);
    const r = await tryForm("surname", () => saveContact(ctx, p, id, null, inputOf(form)));
    if (!r.ok) return formPage(reply.status(400), p, id, null, { values: form, errors: r.errors });
    return reply.redirect(`/pupils/${id}?done=contact#contacts`, 303);
  });

  app.get("/pupils/:id/contacts/:n", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    return formPage(reply, p, param(request, "id"), number(request));
  });

  app.post("/pupils/:id/contacts/:n", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const id = param(request, "id");
    const n = number(request);
    const form = formOf(request);
    const r = await tryForm("surname", () => saveContact(ctx, p, id, n - 1, inputOf(form)));
    if (!r.ok) return formPage(reply.status(400), p, id, n, { values: form, errors: r.errors });
    return reply.redirect(`/pupils/${id}?done=contact#contacts`, 303);
  });

  app.post("/pupils/:id/contacts/:n/remove", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const id = param(request, "id");
    const n = number(request);
    if (!confirmed(request)) {
      const pupil = await getPupil(ctx, p, id);
      const c = pupil.contacts[n - 1] as { forename?: string; surname?: string } | undefined;
      if (!c) return reply.status(404).page("error", { title: "Not found" });
      return askToConfirm(request, reply, {
        title: "Remove this contact?",
        lines: [
          `${[c.forename, c.surname].filter(Boolean).join(" ")} will no longer be a contact for ${pupil.forename} ${pupil.surname}. Their phone numbers and e-mail go with them.`,
        ],
        button: "Yes, remove the contact",
        cancel: `/pupils/${id}/contacts/${n}`,
      });
    }
    await removeContact(ctx, p, id, n - 1);
    return reply.redirect(`/pupils/${id}?done=contact-removed#contacts`, 303);
  });
}
