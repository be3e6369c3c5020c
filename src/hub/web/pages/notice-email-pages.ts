/**
 * Confirming a school's new notice e-mail, from the link sent to that address. Opening the link
 * changes nothing (mail scanners open links); the button on the page does.
 */
import type { FastifyInstance } from "fastify";
import { param } from "../../../platform/web/forms.js";
import type { HubContext } from "../../context.js";
import { confirmNoticeEmail, pendingNoticeEmail } from "../../notice-email.js";

export function noticeEmailPages(app: FastifyInstance, ctx: HubContext): void {
  app.get("/confirm-email/:token", async (request, reply) => {
    const change = await pendingNoticeEmail(ctx, param(request, "token"));
    if (!change) return reply.status(410).page("confirm-email", { title: "Link expired" });
    return reply.page("confirm-email", {
      title: "Confirm this address",
      change,
      action: request.url.split("?")[0],
    });
  });

  app.post("/confirm-email/:token", async (request, reply) => {
    const change = await pendingNoticeEmail(ctx, param(request, "token"));
    if (!change) return reply.status(410).page("confirm-email", { title: "Link expired" });
    await confirmNoticeEmail(ctx, param(request, "token"));
    return reply.page("confirm-email", { title: "Address confirmed", change, confirmed: true });
  });
}
