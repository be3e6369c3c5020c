/**
 * Sending: choose one or many CTFs; each is uploaded as the API would, and the results page shows
 * every file's outcome as soon as it is checked (a script asks for each file's outcome until
 * it is settled; without scripts, "Check again" reloads). A misnamed file is not sent, and the
 * page suggests its right name with the next sequence number, read from the file's own header.
 */
import type { MultipartFile } from "@fastify/multipart";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { HubContext, Principal } from "../../hub/context.js";
import { HubError } from "../../hub/errors.js";
import { suggestFileName } from "../../hub/file-names.js";
import { getTransfer, type TransferView, upload } from "../../hub/transfers.js";
import { principalOf } from "../plugins/auth.js";
import { checkFormToken } from "../plugins/csrf.js";

const MAX_FILES = 50;

interface Refused {
  fileName: string;
  message: string;
  suggestion?: string;
}

async function sendAll(ctx: HubContext, p: Principal, request: FastifyRequest) {
  const sent: string[] = [];
  const refused: Refused[] = [];
  let tokenChecked = false;
  const parts = request.parts({
    limits: { files: MAX_FILES, fileSize: ctx.config.maxUploadBytes },
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
    if (!tokenChecked) throw new HubError("form.expired");
    const file = part as MultipartFile;
    const bytes = await file.toBuffer();
    if (!file.filename && bytes.length === 0) continue; // the empty input of a form sent bare
    try {
      sent.push((await upload(ctx, p, { fileName: file.filename, bytes })).id);
    } catch (e) {
      if (!(e instanceof HubError) || e.status >= 500) throw e;
      const refusal: Refused = { fileName: file.filename, message: e.message };
      if (e.code === "upload.name") {
        const suggestion = await suggestFileName(ctx, p, bytes);
        if (suggestion) refusal.suggestion = suggestion;
      }
      refused.push(refusal);
    }
  }
  if (!tokenChecked) throw new HubError("form.expired");
  return { sent, refused };
}

async function outcomes(ctx: HubContext, p: Principal, ids: string[]): Promise<TransferView[]> {
  return Promise.all(ids.map((id) => getTransfer(ctx, p, id)));
}

const idsOf = (query: unknown): string[] => {
  const id = (query as { id?: string | string[] }).id;
  return (Array.isArray(id) ? id : id ? [id] : []).slice(0, MAX_FILES);
};

export function sendPages(app: FastifyInstance, ctx: HubContext): void {
  app.get("/send", async (request, reply) => {
    principalOf(request);
    return reply.page("send", { title: "Send files" });
  });

  app.post("/send", async (request, reply) => {
    const p = principalOf(request);
    if (!request.isMultipart()) throw new HubError("invalid", "Choose the files to send.");
    const { sent, refused } = await sendAll(ctx, p, request);
    if (sent.length === 0 && refused.length === 0)
      return reply.status(400).page("send", {
        title: "Send files",
        errors: [{ text: "Choose at least one CTF file to send", href: "#files" }],
      });
    return reply.page("send-results", {
      title: "Files sent",
      files: await outcomes(ctx, p, sent),
      refused,
      checkAgain: `/send/results?${sent.map((id) => `id=${id}`).join("&")}`,
    });
  });

  app.get("/send/results", async (request, reply) => {
    const p = principalOf(request);
    const ids = idsOf(request.query);
    return reply.page("send-results", {
      title: "Files sent",
      files: await outcomes(ctx, p, ids),
      refused: [],
      checkAgain: `/send/results?${ids.map((id) => `id=${id}`).join("&")}`,
    });
  });

  // One file's outcome as an HTML fragment, for the results page's script to swap in.
  app.get("/send/outcome/:id", async (request, reply) => {
    const p = principalOf(request);
    const t = await getTransfer(ctx, p, (request.params as { id: string }).id);
    return reply.fragment("outcome", { t });
  });
}
