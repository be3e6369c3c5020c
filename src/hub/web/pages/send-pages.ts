/**
 * Sending: choose one or many CTFs; each is uploaded as the API would, and the results page shows
 * every file's outcome as soon as it is checked (a script asks for each file's outcome until
 * it is settled; without scripts, "Check again" reloads). A file whose name is not a CTF name
 * (saved by a browser as "export.xml", say) is sent under the name its own header gives it, with
 * the next sequence number: the office need not rename a file on disk.
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
}

/** A file sent under the name its header gives it, not the one it came with. */
interface Renamed {
  fileName: string;
  sentAs: string;
}

/** Where a CTF's header is, with room to spare: enough to name a misnamed file. */
const HEADER_BYTES = 64 * 1024;

/** Reads to the end of a part not wanted (or wanted no more), so the next part can be read. */
async function drain(file: MultipartFile): Promise<void> {
  if (file.file.readableEnded || file.file.destroyed) return;
  for await (const _ of file.file) {
    // discarded
  }
}

/**
 * A stream's first `n` bytes (or all, if shorter), and the whole stream again to read from the
 * start: a misnamed file is named from its header, then sent without being held whole.
 */
async function withHead(source: AsyncIterable<Uint8Array>, n: number) {
  const it = source[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let size = 0;
  let ended = false;
  while (size < n) {
    const next = await it.next();
    if (next.done) {
      ended = true;
      break;
    }
    head.push(next.value);
    size += next.value.length;
  }
  async function* whole(): AsyncIterable<Uint8Array> {
    yield* head;
    if (ended) return;
    for (let next = await it.next(); !next.done; next = await it.next()) yield next.value;
  }
  return { head: Buffer.concat(head).subarray(0, n), whole: whole() };
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
  const renamed: Renamed[] = [];
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
    let fileName = file.filename;
    let content = untruncated(ctx, file);
    try {
      if (!name.ok) {
        // Its header (at the start) says where it is from and to, so what it should be called.
        const { head, whole } = await withHead(content, HEADER_BYTES);
        const sentAs = await suggestFileName(ctx, p, head);
        if (!sentAs) {
          for await (const _ of whole); // read to its end, so the next file can be
          refused.push({ fileName, message: `${name.reason}, and its header names no school.` });
          continue;
        }
        renamed.push({ fileName, sentAs });
        fileName = sentAs;
        content = whole;
      }
      const done = await upload(ctx, p, { fileName, content, maxBytes: allowance });
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
  return { sent, refused, renamed };
}

async function outcomes(ctx: HubContext, p: Principal, ids: string[]): Promise<TransferView[]> {
  return Promise.all(ids.map((id) => getTransfer(ctx, p, id)));
}

const REFUSED_COOKIE = "s2s_refused";
// A cookie holds about 4 KB: enough to say why each of a few files was not sent.
const MAX_REFUSED_SHOWN = 10;

interface Notes {
  refused: Refused[];
  renamed: Renamed[];
}

const resultsPath = (ids: string[]) => `/send/results?${ids.map((id) => `id=${id}`).join("&")}`;

function encodeNotes({ refused, renamed }: Notes): string {
  const shown: Notes = {
    refused: refused.slice(0, MAX_REFUSED_SHOWN).map((r) => ({
      fileName: r.fileName.slice(0, 100),
      message: r.message.slice(0, 240),
    })),
    renamed: renamed
      .slice(0, MAX_REFUSED_SHOWN)
      .map((r) => ({ fileName: r.fileName.slice(0, 100), sentAs: r.sentAs })),
  };
  return Buffer.from(JSON.stringify(shown)).toString("base64url");
}

const strings = (o: unknown, keys: string[]) =>
  keys.every((k) => typeof (o as Record<string, unknown>)?.[k] === "string");

function decodeNotes(cookie: string | undefined): Notes {
  const none: Notes = { refused: [], renamed: [] };
  if (!cookie) return none;
  try {
    const notes = JSON.parse(Buffer.from(cookie, "base64url").toString("utf8")) as Partial<Notes>;
    return {
      refused: Array.isArray(notes.refused)
        ? notes.refused.filter((r) => strings(r, ["fileName", "message"]))
        : [],
      renamed: Array.isArray(notes.renamed)
        ? notes.renamed.filter((r) => strings(r, ["fileName", "sentAs"]))
        : [],
    };
  } catch {
    return none;
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
    const { sent, refused, renamed } = await sendAll(ctx, p, request);
    if (sent.length === 0 && refused.length === 0)
      return reply.status(400).page("send", {
        title: "Send files",
        errors: [{ text: "Choose at least one CTF file to send", href: "#files" }],
      });
    // Post/redirect/get: reloading the results must not send the files again. What was refused
    // goes in a short-lived cookie, not the address, as a file's own name can be a pupil's.
    if (refused.length > 0 || renamed.length > 0)
      reply.setCookie(REFUSED_COOKIE, encodeNotes({ refused, renamed }), {
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
    const { refused, renamed } = decodeNotes(request.cookies[REFUSED_COOKIE]);
    if (request.cookies[REFUSED_COOKIE])
      reply.clearCookie(REFUSED_COOKIE, { path: "/send/results" });
    const files = await outcomes(ctx, p, ids);
    return reply.page("send-results", {
      title: resultsTitle(files, refused.length),
      files,
      refused,
      renamed,
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
