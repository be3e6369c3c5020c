/** Associated schools: found in the hub's directory, added, changed and removed. */
import type { FastifyInstance, FastifyReply } from "fastify";
import { AppError } from "../../../platform/errors.js";
import { askToConfirm, confirmed } from "../../../platform/web/confirm.js";
import {
  type FieldError,
  formOf,
  param,
  queryParam,
  tryForm,
} from "../../../platform/web/forms.js";
import {
  addAssociatedSchool,
  directoryEntry,
  listAssociatedSchools,
  removeAssociatedSchool,
  searchDirectory,
  updateAssociatedSchool,
} from "../../associated-schools.js";
import type { MisContext } from "../../context.js";
import { pageUser } from "./register-pages.js";

export function associatedSchoolPages(app: FastifyInstance, ctx: MisContext): void {
  app.get("/associated-schools", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const q = queryParam(request, "q")?.trim() ?? "";
    const found = q === "" ? undefined : await tryForm("q", () => searchDirectory(ctx, q));
    return reply.page("associated-schools", {
      title: "Associated schools",
      schools: await listAssociatedSchools(ctx),
      q,
      results: found?.ok ? found.value : undefined,
      errors: found && !found.ok ? [found.error] : [],
      done: ["added", "changed", "removed"].find((d) => d === queryParam(request, "done")),
    });
  });

  // A school found in the directory, shown in full before it is added, with its code and flag.
  app.get("/associated-schools/add", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const r = await tryForm("laestab", () =>
      directoryEntry(ctx, queryParam(request, "laestab") ?? ""),
    );
    if (!r.ok)
      return reply.status(400).page("associated-schools", {
        title: "Associated schools",
        schools: await listAssociatedSchools(ctx),
        q: "",
        errors: r.errors,
      });
    return reply.page("associated-school-add", { title: `Add ${r.value.name}`, school: r.value });
  });

  async function editPage(
    reply: FastifyReply,
    laestab: string,
    extra: { values?: Record<string, string | undefined>; errors?: FieldError[] } = {},
  ) {
    const school = (await listAssociatedSchools(ctx)).find((s) => s.laestab === laestab);
    if (!school) throw new AppError("not-found", "That school is not associated.");
    return reply.page("associated-school-edit", {
      title: school.name,
      school,
      values: extra.values ?? { code: school.code ?? "", feeder: school.feeder ? "yes" : "" },
      errors: extra.errors ?? [],
    });
  }

  app.get("/associated-schools/:laestab", async (request, reply) => {
    if (!pageUser(request, reply)) return reply;
    return editPage(reply, param(request, "laestab"));
  });

  app.post("/associated-schools/:laestab", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const form = formOf(request);
    const laestab = param(request, "laestab");
    const r = await tryForm("code", () =>
      updateAssociatedSchool(ctx, p, laestab, {
        code: form.code ?? "",
        feeder: form.feeder === "yes",
      }),
    );
    if (!r.ok) return editPage(reply.status(400), laestab, { values: form, errors: r.errors });
    return reply.redirect("/associated-schools?done=changed", 303);
  });

  app.post("/associated-schools/:laestab/remove", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const laestab = param(request, "laestab");
    if (!confirmed(request)) {
      const school = (await listAssociatedSchools(ctx)).find((s) => s.laestab === laestab);
      if (!school) throw new AppError("not-found", "That school is not associated.");
      return askToConfirm(request, reply, {
        title: `Remove ${school.name}?`,
        lines: [
          `${school.name} (${school.laestab}) leaves your associated schools: it is no longer offered as a destination.`,
          "You can add it again from the directory.",
        ],
        button: "Yes, remove it",
        destructive: true,
        cancel: `/associated-schools/${laestab}`,
      });
    }
    const r = await tryForm("code", () => removeAssociatedSchool(ctx, p, laestab));
    if (!r.ok) return editPage(reply.status(409), laestab, { errors: r.errors });
    return reply.redirect("/associated-schools?done=removed", 303);
  });

  app.post("/associated-schools", async (request, reply) => {
    const p = pageUser(request, reply);
    if (!p) return reply;
    const form = formOf(request);
    const laestab = form.laestab ?? "";
    const r = await tryForm("laestab", () =>
      addAssociatedSchool(ctx, p, {
        laestab,
        code: form.code ?? "",
        feeder: form.feeder === "yes",
      }),
    );
    if (r.ok) return reply.redirect("/associated-schools?done=added", 303);
    // A wrong code is put right on the same page; anything about the school goes back to the list.
    if (r.error.href === "#code") {
      const school = await directoryEntry(ctx, laestab);
      return reply.status(400).page("associated-school-add", {
        title: `Add ${school.name}`,
        school,
        values: form,
        errors: r.errors,
      });
    }
    return reply.status(400).page("associated-schools", {
      title: "Associated schools",
      schools: await listAssociatedSchools(ctx),
      q: "",
      errors: r.errors,
    });
  });
}
