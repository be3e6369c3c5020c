/**
 * Sending: choose one or many CTFs; each is uploaded as the API would, and the results page shows
 * every file's outcome as soon as it is checked (a script asks for each file's outcome until
 * it is settled; without scripts, "Check again" reloads). A misnamed file is not sent, and the
 * page suggests its right name with the next sequence number, read from the file's own header.
 */
import type { MultipartFile } from "@fastify/multipart";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { parseCtfFileName } from "../../../ctf/filename.js";
import { AppError, isId } from "../../../platform/errors.js";
import { checkFormToken } from "../../../platform/web/csrf.js";
import { param } from "../../../platform/web/forms.js";
import type { HubContext, Principal } from "../../context.js";
import { suggestFileName } from "../../file-names.js";
import { getTransfer } from "../../transfer-reads.js";
import type { TransferView } from "../../transfer-view.js";
import { upload } from "../../upload.js";
import { untruncated } from "../api/transfers.js";
import { principalOf } from "../principal.js";

const MAX_FILES = 50;

interface Refused {
  fileName: string;
  message: string;
  suggestion?: string;
}

/** Where a CTF's header is, with room to spare: enough to suggest a misnamed file's name. */
const SUGGESTION_BYTES = 64 * 1024;

/** Reads to the end of a part not wanted (or wanted no more), so the next part can be read. */
async function drain(file: MultipartFile): Promise<void> {
  if (file.file.readableEnded || file.file.destroyed) return;
  for await (const _ of file.file) {
    // discarded
  }
}

/** The first `n` bytes of a part; the rest is read and discarded. */
async function prefix(file: MultipartFile, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of file.file as AsyncIterable<Buffer>) {
    if (size < n) parts.push(chunk.subarray(0, n - size));
    size += chunk.length;
  }
  return Buffer.concat(parts);
}

/** A double-click posts the form twice: the second finds the first's file moments old. */
const SAME_SEND_MS = 2 * 60_000;

/**
 * The file a refusal as a duplicate names, when it is this same send posted again (by this user,
 * moments ago): shown as the first post's result, not as "not sent" (an outside test
 * double-clicked Send and was told the file was not sent, though it was).
 */
async function sameSendAgain(ctx: HubContext, p: Principal, e: AppError) {
  const id = e.code === "upload.duplicate" ? e.detail?.transferId : undefined;
  if (!id) return undefined;
  const first = await ctx.db
    .selectFrom("transfers")
    .select("id")
    .where("id", "=", id)
    .where("sender_user_id", "=", p.userId)
    .where("created_at", ">", new Date(ctx.clock().getTime() - SAME_SEND_MS))
    .executeTakeFirst();
  return first?.id;
}

async function sendAll(ctx: HubContext, p: Principal, request: FastifyRequest) {
  const sent: string[] = [];
  const refused: Refused[] = [];
  let tokenChecked = false;
  // One form post may carry at most the single-file limit in all: two 150 MB files are refused.
  let allowance = ctx.config.maxUploadBytes;
  const parts = request.parts({
    // One byte over the limit reaches the upload, which then says the file is too large.
    limits: { files: MAX_FILES, fileSize: ctx.config.maxUploadBytes + 1 },
  });
  for await (const part of parts) {
    if (part.type === "field") {
      if (part.fieldname === "_csrf") {
        checkFormToken(request, part.value);
        tokenChecked = true;
      }
      continue;
    }
    // The token comes first in the form: no file is read from a form that has not shown one.
    if (!tokenChecked) throw new AppError("form.expired");
    const file = part as MultipartFile;
    if (!file.filename) {
      await drain(file); // the empty input of a form sent bare
      continue;
    }
    const name = parseCtfFileName(file.filename);
    if (!name.ok) {
      // Not sent; its header (at the start) says what it should be called.
      const suggestion = await suggestFileName(ctx, p, await prefix(file, SUGGESTION_BYTES));
      refused.push({
        fileName: file.filename,
        message: `${name.reason}.`,
        ...(suggestion ? { suggestion } : {}),
      });
      continue;
    }
    try {
      const done = await upload(ctx, p, {
        fileName: file.filename,
        content: untruncated(ctx, file),
        maxBytes: allowance,
      });
      allowance -= done.sizeBytes;
      sent.push(done.id);
    } catch (e) {
      if (!(e instanceof AppError) || e.status >= 500) throw e;
      const first = await sameSendAgain(ctx, p, e);
      if (first) sent.push(first);
      else refused.push({ fileName: file.filename, message: e.message });
    } finally {
      await drain(file);
    }
  }
  if (!tokenChecked) throw new AppError("form.expired");
  return { sent, refused };
}

async function outcomes(ctx: HubContext, p: Principal, ids: string[]): Promise<TransferView[]> {
  return Promise.all(ids.map((id) => getTransfer(ctx, p, id)));
}

const REFUSED_COOKIE = "s2s_refused";
// A cookie holds about 4 KB: enough to say why each of a few files was not sent.
const MAX_REFUSED_SHOWN = 10;

const resultsPath = (ids: string[]) => `/send/results?${ids.map((id) => `id=${id}`).join("&")}`;

function encodeRefused(refused: Refused[]): string {
  const shown = refused.slice(0, MAX_REFUSED_SHOWN).map((r) => ({
    ...r,
    fileName: r.fileName.slice(0, 100),
    message: r.message.slice(0, 240),
  }));
  return Buffer.from(JSON.stringify(shown)).toString("base64url");
}

function decodeRefused(cookie: string | undefined): Refused[] {
  if (!cookie) return [];
  try {
    const list = JSON.parse(Buffer.from(cookie, "base64url").toString("utf8")) as unknown;
    if (!Array.isArray(list)) return [];
    return list.filter(
      (r): r is Refused =>
        typeof r?.fileName === "string" &&
        typeof r?.message === "string" &&
        (r.suggestion === undefined || typeof r.suggestion === "string"),
    );
  } catch {
    return [];
  }
}

const idsOf = (query: unknown): string[] => {
  const id = (query as { id?: string | string[] }).id;
  // An id that is not one names nothing here; the page shows the files it can find.
  return (Array.isArray(id) ? id : id ? [id] : []).filter(isId).slice(0, MAX_FILES);
};

export function sendPages(app: FastifyInstance, ctx: HubContext): void {
  app.get("/send", async (request, reply) => {
    principalOf(request);
    return reply.page("send", { title: "Send files" });
  });

  // Multipart: the form's token is its first field, read by sendAll before any file.
  app.post("/send", { config: { formTokenInBody: true } }, async (request, reply) => {
    const p = principalOf(request);
    if (!request.isMultipart()) throw new AppError("invalid", "Choose the files to send.");
    const { sent, refused } = await sendAll(ctx, p, request);
    if (sent.length === 0 && refused.length === 0)
      return reply.status(400).page("send", {
        title: "Send files",
        errors: [{ text: "Choose at least one CTF file to send", href: "#files" }],
      });
    // Post/redirect/get: reloading the results must not send the files again. What was refused
    // goes in a short-lived cookie, not the address, as a file's own name can be a pupil's.
    if (refused.length > 0)
      reply.setCookie(REFUSED_COOKIE, encodeRefused(refused), {
        path: "/send/results",
        httpOnly: true,
        sameSite: "lax",
        secure: ctx.config.publicUrl.startsWith("https:"),
        maxAge: 300,
      });
    return reply.redirect(resultsPath(sent), 303);
  });

  app.get("/send/results", async (request, reply) => {
    const p = principalOf(request);
    const ids = idsOf(request.query);
    const refused = decodeRefused(request.cookies[REFUSED_COOKIE]);
    if (refused.length > 0) reply.clearCookie(REFUSED_COOKIE, { path: "/send/results" });
    const files = await outcomes(ctx, p, ids);
    return reply.page("send-results", {
      title: resultsTitle(files, refused.length),
      files,
      refused,
      checkAgain: resultsPath(ids),
    });
  });

  // One file's outcome as an HTML fragment, for the results page's script to swap in.
  app.get("/send/outcome/:id", async (request, reply) => {
    const p = principalOf(request);
    const t = await getTransfer(ctx, p, param(request, "id"));
    return reply.fragment("outcome", { t });
  });
}

/** What the results say at the top: "Files sent" only when every file was. */
function resultsTitle(files: { status: string }[], refused: number): string {
  const sent = files.filter((f) => ["available", "lost", "outside"].includes(f.status)).length;
  const failed = refused + files.filter((f) => f.status === "failed").length;
  if (failed > 0 && sent === 0 && failed === files.length + refused)
    return failed === 1 ? "Your file was not sent" : "Your files were not sent";
  if (failed > 0) return "Some of your files were not sent";
  if (sent === files.length) return files.length === 1 ? "File sent" : "Files sent";
  return "Checking your files";
}
