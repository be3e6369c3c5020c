/** Home: what awaits my organisation, oldest first, and what we sent; links to every task. */
import type { FastifyInstance } from "fastify";
import { daysBetween, queryParam } from "../../../platform/web/forms.js";
import { approvalsFor } from "../../account-approvals.js";
import type { HubContext } from "../../context.js";
import { adminOverview } from "../../corrections.js";
import { laOverview } from "../../la-overview.js";
import { fileList } from "../../transfer-list.js";
import { listInbox } from "../../transfer-reads.js";
import { principalOf, signedInAs } from "../principal.js";

const HOME_LISTED = 10;

export function homePage(app: FastifyInstance, ctx: HubContext): void {
  app.get("/", async (request, reply) => {
    if (!signedInAs(request)) return reply.redirect("/sign-in", 303);
    const p = principalOf(request);
    const approvalsWaiting = (await approvalsFor(ctx, p)).length;
    if (p.role === "admin")
      return reply.page("home-admin", {
        title: "Home",
        approvalsWaiting,
        ...(await adminOverview(ctx, p)),
        notice:
          queryParam(request, "done") === "resolved"
            ? { success: true, text: "Correction marked done." }
            : undefined,
      });
    if (p.role === "la")
      return reply.page("home-la", {
        title: "Home",
        approvalsWaiting,
        ...(await laOverview(ctx, p)),
      });
    const now = ctx.clock();
    const [inbox, sent] = await Promise.all([
      listInbox(ctx, p),
      fileList(ctx, p, "sent", { order: "newest", page: 1, pageSize: HOME_LISTED }),
    ]);
    const awaiting = inbox
      .filter((t) => t.status === "available")
      .map((t) => ({ ...t, daysWaiting: daysBetween(t.checkedAt ?? t.createdAt, now) }));
    return reply.page("home", {
      title: "Home",
      approvalsWaiting,
      // The oldest first, as they are the most urgent; the received list has them all.
      awaiting: awaiting.slice(0, HOME_LISTED),
      awaitingCount: awaiting.length,
      sent: sent.files,
      sentCount: sent.total,
    });
  });
}
