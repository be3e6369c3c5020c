/**
 * Approving a new account: signed-in approvers on /approvals, the notice address by its link.
 * Opening the link changes nothing (mail scanners open links); a button on the page does.
 */
import type { FastifyInstance } from "fastify";
import { formOf, param, queryParam } from "../../../platform/web/forms.js";
import {
  approvalByLink,
  approvalsFor,
  type Decision,
  decideApproval,
} from "../../account-approvals.js";
import type { HubContext } from "../../context.js";
import { principalOf } from "../principal.js";

const DONE: Record<string, string> = {
  approve: "Approved. Its user has been e-mailed a link to choose their password.",
  decline: "Declined. The account has been deleted.",
};

const decisionOf = (value: string | undefined): Decision =>
  value === "decline" ? "decline" : "approve";

export function approvalPages(app: FastifyInstance, ctx: HubContext): void {
  app.get("/approvals", async (request, reply) => {
    const p = principalOf(request);
    const done = DONE[queryParam(request, "done") ?? ""];
    return reply.page("approvals", {
      title: "Accounts waiting for approval",
      accounts: await approvalsFor(ctx, p),
      ...(done ? { notice: { success: true, text: done } } : {}),
    });
  });

  app.post("/approvals/:id", async (request, reply) => {
    const p = principalOf(request);
    const decision = decisionOf(formOf(request).decision);
    await decideApproval(ctx, { actor: p }, param(request, "id"), decision);
    return reply.redirect(`/approvals?done=${decision}`, 303);
  });

  app.get("/approve-account/:token", async (request, reply) => {
    const account = await approvalByLink(ctx, param(request, "token"));
    if (!account) return reply.status(410).page("approve-account", { title: "Link expired" });
    return reply.page("approve-account", {
      title: "Approve a new account",
      account,
      action: request.url.split("?")[0],
    });
  });

  app.post("/approve-account/:token", async (request, reply) => {
    const token = param(request, "token");
    const account = await approvalByLink(ctx, token);
    if (!account) return reply.status(410).page("approve-account", { title: "Link expired" });
    const decision = decisionOf(formOf(request).decision);
    await decideApproval(ctx, { link: token }, account.id, decision);
    return reply.page("approve-account", { title: "Thank you", account, decided: decision });
  });
}
