/** An LA's list of the files sent to its schools, a page at a time (its home shows the newest). */
import type { FastifyInstance } from "fastify";
import type { HubContext } from "../../../hub/context.js";
import { RECEIVABLE_STATUSES } from "../../../hub/policies/transfers.js";
import { fileList } from "../../../hub/transfer-list.js";
import { principalOf } from "../principal.js";
import { fileListPage, LIST_PAGE, listQuery } from "./file-list.js";

export function laPages(app: FastifyInstance, ctx: HubContext): void {
  app.get("/to-schools", async (request, reply) => {
    const p = principalOf(request);
    const q = listQuery(request, "school", RECEIVABLE_STATUSES, "newest");
    const got = await fileList(ctx, p, "to-schools", {
      ...q,
      pageSize: LIST_PAGE,
      clamp: true,
      withParties: true,
    });
    return reply.page("to-schools", {
      title: "Files sent to your schools",
      ...fileListPage(got, q, "/to-schools", "school"),
    });
  });
}
