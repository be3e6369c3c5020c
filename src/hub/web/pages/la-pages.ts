/** An LA's list of the files sent to its schools, a page at a time (its home shows the newest). */
import type { FastifyInstance } from "fastify";
import type { HubContext } from "../../context.js";
import { RECEIVABLE_STATUSES } from "../../policies/transfers.js";
import { principalOf } from "../principal.js";
import { fileListPage, listQuery } from "./file-list.js";

export function laPages(app: FastifyInstance, ctx: HubContext): void {
  app.get("/to-schools", async (request, reply) => {
    const p = principalOf(request);
    const q = listQuery(request, "school", RECEIVABLE_STATUSES, "newest");
    return reply.page("to-schools", {
      title: "Files sent to your schools",
      ...(await fileListPage(ctx, p, "to-schools", q, "/to-schools", "school")),
    });
  });
}
