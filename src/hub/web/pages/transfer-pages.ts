/**
 * Received files (look at who is in a file, accept and download, reject with a reason) and sent
 * files (status, reasons, remove). A file someone may not see is "not found" to them, as in the API.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { partyName } from "../../../ctf/filename.js";
import { askToConfirm, confirmed } from "../../../platform/web/confirm.js";
import {
  type FieldError,
  fieldError,
  formOf,
  param,
  queryParam,
  tryForm,
} from "../../../platform/web/forms.js";
import { formatDate } from "../../../platform/web/views.js";
import type { HubContext, Principal } from "../../context.js";
import { earlierDownloads } from "../../earlier-downloads.js";
import { findEstablishment, searchEstablishments } from "../../establishments.js";
import { passOnTarget, redirect } from "../../lost-pupils.js";
import { passOnPupil } from "../../pass-on-pupil.js";
import {
  canAccept,
  canDownload,
  canRedirect,
  canReject,
  canRemove,
} from "../../policies/transfers.js";
import { TRANSFER_STATUSES } from "../../schema.js";
import {
  accept,
  checkAction,
  checkRejectReason,
  content,
  reject,
  remove,
} from "../../transfer-actions.js";
import { transferHistory } from "../../transfer-history.js";
import { getTransfer, listInbox, listPupils } from "../../transfer-reads.js";
import type { TransferView } from "../../transfer-view.js";
import { principalOf } from "../principal.js";
import { fileListPage, listPage, listQuery, pageParam, paginationOf } from "./file-list.js";

const NOTICES: Record<string, string> = {
  rejected: "File rejected. We have e-mailed the sending school your reason.",
  removed: "File removed. Its pupils' data has been deleted from S2S.",
};

/** What a file's own page says after an action that comes back to it. */
const FILE_NOTICES: Record<string, string> = {
  downloaded:
    "You accepted this file and its download has started. If it has not, use Download this file again below.",
  "passed-one":
    "Pupil passed on: the school has a file of its own for them and has been e-mailed. The rest stay here.",
};

function noticeFrom(query: unknown) {
  const done = (query as { done?: string }).done;
  return done && NOTICES[done] ? { success: true, text: NOTICES[done] } : undefined;
}

/** What this principal may do with the file, asked of the same policies the domain uses. */
function actionsFor(p: Principal, t: TransferView) {
  const facts = {
    source_laestab: t.source.laestab,
    dest_laestab: t.destination.laestab,
    dest_kind: t.destination.kind as "school" | "la" | "lost" | "outside",
    status: t.status,
    sender_user_id: "",
  };
  return {
    // A register file is downloaded where it waits (accepting it does not take it off).
    accept: canAccept(p, facts) && t.status === "available",
    download: canDownload(p, facts),
    reject: canReject(p, facts),
    remove: canRemove(p, facts),
    passOn: canRedirect(p, facts),
  };
}

export function transferPages(app: FastifyInstance, ctx: HubContext): void {
  app.get("/received", async (request, reply) => {
    const p = principalOf(request);
    const files = await listInbox(ctx, p);
    const q = listQuery(request, "from", ["available", "downloaded"], "oldest");
    return reply.page("received", {
      title: "Received files",
      waiting: files.filter((t) => t.status === "available").length,
      ...listPage(files, q, "source", "/received", "from"),
      notice: noticeFrom(request.query),
    });
  });

  async function filePage(
    reply: FastifyReply,
    p: Principal,
    id: string,
    extra: {
      errors?: FieldError[];
      reason?: string;
      to?: string;
      page?: number;
      notice?: { success: boolean; text: string };
      refreshTo?: string;
    } = {},
  ) {
    const transfer = await getTransfer(ctx, p, id);
    // A removed or expired file holds no pupils: its page says what became of it.
    const gone = transfer.status === "removed" || transfer.status === "expired";
    const [listed, earlier, history] = await Promise.all([
      gone ? { pupils: [], page: 1, pages: 1 } : listPupils(ctx, p, id, extra.page ?? 1),
      gone ? [] : earlierDownloads(ctx, p, id),
      transferHistory(ctx, p, id),
    ]);
    return reply.page("received-file", {
      title: "A file sent to you",
      backLink: "/received",
      t: transfer,
      pupils: listed.pupils,
      pupilPages: paginationOf(listed.page, listed.pages, (n) =>
        n === 1 ? `/received/${id}` : `/received/${id}?page=${n}`,
      ),
      earlier,
      history,
      actions: actionsFor(p, transfer),
      ...extra,
    });
  }

  app.get("/received/:id", async (request, reply) => {
    const id = param(request, "id");
    const done = queryParam(request, "done") ?? "";
    const notice = FILE_NOTICES[done];
    return filePage(reply, principalOf(request), id, {
      page: pageParam(request),
      ...(notice ? { notice: { success: true, text: notice } } : {}),
      // Just accepted: its download starts (a refresh, so no script is needed).
      ...(done === "downloaded" ? { refreshTo: `/received/${id}/download` } : {}),
    });
  });

  app.post("/received/:id/accept", async (request, reply) => {
    const id = param(request, "id");
    await accept(ctx, principalOf(request), id);
    return reply.redirect(`/received/${id}?done=downloaded`, 303);
  });

  app.get("/received/:id/download", async (request, reply) => {
    const id = param(request, "id");
    const file = await content(ctx, principalOf(request), id);
    return reply
      .type("application/xml")
      .header("cache-control", "no-store")
      .header("content-disposition", `attachment; filename="${file.fileName}"`)
      .header("content-length", String(file.sizeBytes))
      .send(file.stream);
  });

  app.post("/received/:id/reject", async (request, reply) => {
    const p = principalOf(request);
    const id = param(request, "id");
    const reason = formOf(request).reason ?? "";
    if (!reason.trim())
      return filePage(reply.status(400), p, id, {
        errors: [fieldError("reason", "Enter why you are rejecting this file")],
      });
    if (!confirmed(request)) {
      const t = await checkAction(ctx, p, id, "reject");
      const fit = await tryForm("reason", () => checkRejectReason(ctx, id, reason));
      if (!fit.ok) return filePage(reply.status(400), p, id, { errors: [fit.error], reason });
      return askToConfirm(request, reply, {
        title: "Reject this file?",
        caption: t.fileName,
        lines: [
          `${partyOf(t.source)} will be e-mailed that you rejected ${t.fileName} (${pupilsIn(t.pupilCount)}), with your reason: "${reason.trim()}".`,
          "You will not be able to download the file. The sending school can then send it to the right school.",
        ],
        fields: { reason },
        button: "Yes, reject this file",
        destructive: true,
        cancel: `/received/${id}`,
      });
    }
    const done = await tryForm("reason", () => reject(ctx, p, id, reason));
    if (!done.ok) return filePage(reply.status(400), p, id, { errors: [done.error], reason });
    return reply.redirect("/received?done=rejected", 303);
  });

  // An LA passes a lost or out-of-sector file on to the school the pupil has joined.
  app.post("/received/:id/pass-on", async (request, reply) => {
    const p = principalOf(request);
    const id = param(request, "id");
    const to = (formOf(request).to ?? "").trim();
    // One pupil of a multi-pupil file, by position; none: the whole file.
    const chosen = formOf(request).pupil?.trim();
    const pupil = chosen ? Number(chosen) : undefined;
    const wrong = [
      ...(to ? [] : [fieldError("to", "Enter the new school's name, town or number")]),
      ...(pupil === undefined || (Number.isInteger(pupil) && pupil > 0)
        ? []
        : [fieldError("pupil", "Choose all the pupils, or one of them")]),
    ];
    if (wrong.length > 0) return filePage(reply.status(400), p, id, { errors: wrong, to });
    if (!confirmed(request)) {
      const found = await passOnChoices(ctx, to);
      if (found.length === 0)
        return filePage(reply.status(400), p, id, {
          errors: [
            fieldError(
              "to",
              `No school in the directory matches "${to}": try its name, its town or its 7-digit number`,
            ),
          ],
          to,
        });
      if (found.length > 1)
        return reply.page("pass-on-choose", {
          title: "Which school?",
          backLink: `/received/${id}`,
          id,
          to,
          schools: found.slice(0, 20),
          more: found.length > 20,
          ownLa: p.laCode,
          pupil,
        });
      const target = await tryForm("to", () => passOnTarget(ctx, p, id, found[0]?.laestab ?? ""));
      if (!target.ok) return filePage(reply.status(400), p, id, { errors: [target.error], to });
      const { row, school } = target.value;
      const place = `${school.name} (${school.laestab}), ${school.town ? `${school.town}, ` : ""}in ${school.la_name} (LA ${school.la_code})`;
      const register = row.status === "lost" ? "Lost Pupils database" : "out of sector register";
      if (pupil)
        return askToConfirm(request, reply, {
          title: "Pass this pupil on?",
          caption: row.file_name,
          lines: [
            `${place}, will be sent a new file holding pupil ${pupil} of ${row.file_name} alone, and e-mailed that it is waiting.`,
            `The other ${pupilsIn((row.pupil_count ?? 1) - 1)} stay in the ${register}.`,
          ],
          fields: { to: school.laestab, pupil: String(pupil) },
          button: "Yes, pass this pupil on",
          cancel: `/received/${id}`,
        });
      return askToConfirm(request, reply, {
        title: "Pass this file on?",
        caption: row.file_name,
        lines: [
          `${place}, will be sent ${row.file_name}, holding ${pupilsIn(row.pupil_count)}, and e-mailed that it is waiting.`,
          `The file leaves the ${register}: other local authorities will no longer find it there.`,
        ],
        fields: { to: school.laestab },
        button: "Yes, pass this file on",
        cancel: `/received/${id}`,
      });
    }
    if (pupil) {
      const one = await tryForm("pupil", () => passOnPupil(ctx, p, id, pupil, to));
      if (!one.ok) return filePage(reply.status(400), p, id, { errors: [one.error], to });
      return reply.redirect(`/received/${id}?done=passed-one`, 303);
    }
    const done = await tryForm("to", () => redirect(ctx, p, id, to));
    if (!done.ok) return filePage(reply.status(400), p, id, { errors: [done.error], to });
    return reply.redirect("/lost-pupils?done=passed-on", 303);
  });

  app.post("/received/:id/remove", async (request, reply) => {
    const p = principalOf(request);
    const id = param(request, "id");
    if (!confirmed(request)) {
      const t = await checkAction(ctx, p, id, "remove");
      return askToConfirm(request, reply, {
        title: "Delete this file from S2S now?",
        caption: t.fileName,
        lines: [
          `${t.fileName} from ${partyOf(t.source)}, holding ${pupilsIn(t.pupilCount)}, will be deleted from S2S now rather than on ${formatDate(t.expiresAt)}.`,
          "You will not be able to download it again: make sure it has been imported into your MIS first.",
        ],
        button: "Yes, delete this file",
        destructive: true,
        cancel: `/received/${id}`,
      });
    }
    await remove(ctx, p, id);
    return reply.redirect("/received?done=removed", 303);
  });

  app.get("/sent", async (request, reply) => {
    const p = principalOf(request);
    const q = listQuery(request, "to", TRANSFER_STATUSES, "newest");
    return reply.page("sent", {
      title: "Sent files",
      isLa: p.role === "la",
      ...(await fileListPage(ctx, p, "sent", q, "/sent", "to")),
      notice: noticeFrom(request.query),
    });
  });

  app.get("/sent/:id", async (request, reply) => {
    const p = principalOf(request);
    const t = await getTransfer(ctx, p, param(request, "id"));
    return reply.page("sent-file", {
      title: "A file you sent",
      backLink: "/sent",
      t,
      history: await transferHistory(ctx, p, t.id),
      actions: actionsFor(p, t),
    });
  });

  app.post("/sent/:id/remove", async (request, reply) => {
    const p = principalOf(request);
    const id = param(request, "id");
    if (!confirmed(request)) {
      const t = await checkAction(ctx, p, id, "remove");
      return askToConfirm(request, reply, {
        title: "Remove this file?",
        caption: t.fileName,
        lines: [
          `${t.fileName}, holding ${pupilsIn(t.pupilCount)}, will not be delivered to ${partyOf(t.destination)}, and its pupils' data will be deleted from S2S.`,
          "To send it again, upload it again.",
        ],
        button: "Yes, remove this file",
        destructive: true,
        cancel: `/sent/${id}`,
      });
    }
    await remove(ctx, p, id);
    return reply.redirect("/sent?done=removed", 303);
  });
}

const pupilsIn = (n: number | null) => (n === 1 ? "1 pupil" : `${n ?? 0} pupils`);
const partyOf = (x: { laestab: string; name?: string | null }) => partyName(x.laestab, x.name);

/** Schools a pass-on may mean: the one with that number, else those whose name or town match. */
async function passOnChoices(ctx: HubContext, to: string) {
  if (/^\d{7}$/.test(to)) {
    const one = await findEstablishment(ctx.db, to);
    return one ? [one] : [];
  }
  return (await searchEstablishments(ctx.db, to, 21)).filter(
    (e) => e.status === "open" && !e.independent,
  );
}
