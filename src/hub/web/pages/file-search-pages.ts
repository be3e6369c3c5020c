/**
 * Finding a file by a pupil in it, on the Received and Sent pages. The name is posted, never put
 * in the address (an address is kept in history and logs); the answer is the list itself, cut
 * to the matching files.
 */
import type { FastifyInstance } from "fastify";
import { formOf, tryForm } from "../../../platform/web/forms.js";
import type { HubContext } from "../../context.js";
import { findFilesByPupilName, NAME_SEARCH_LIMIT } from "../../file-search.js";
import { listInbox } from "../../transfer-reads.js";
import { principalOf } from "../principal.js";

const EVERY = { status: undefined, party: undefined, order: "newest", page: 1 } as const;

export function fileSearchPages(app: FastifyInstance, ctx: HubContext): void {
  const lists = [
    { path: "/received", list: "inbox", template: "received", title: "Received files" },
    { path: "/sent", list: "sent", template: "sent", title: "Sent files" },
  ] as const;
  for (const { path, list, template, title } of lists)
    app.post(`${path}/search`, async (request, reply) => {
      const p = principalOf(request);
      const q = formOf(request).q ?? "";
      const found = await tryForm("q", () => findFilesByPupilName(ctx, p, list, q));
      const waiting =
        list === "inbox"
          ? (await listInbox(ctx, p)).filter((t) => t.status === "available").length
          : undefined;
      return reply.status(found.ok ? 200 : 400).page(template, {
        title,
        isLa: p.role === "la",
        waiting,
        query: EVERY,
        parties: [],
        senders: [],
        search: {
          q,
          limit: NAME_SEARCH_LIMIT,
          ...(found.ok ? { total: found.value.total } : {}),
        },
        files: found.ok ? found.value.files : [],
        total: found.ok ? found.value.total : 0,
        ...(found.ok ? {} : { errors: [found.error] }),
      });
    });
}
