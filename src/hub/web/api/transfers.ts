import type { MultipartFile } from "@fastify/multipart";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { Type } from "typebox";
import {
  errors,
  IdParams,
  NoContent,
  ok,
  PAGE_QUERY,
  Pupil,
  Transfer,
} from "../../../contract/hub-api.js";
import { invalid } from "../../../platform/errors.js";
import { nameQuery } from "../../../platform/name-query.js";
import type { HubContext } from "../../context.js";
import { auditNameSearch, filesNamingPupil } from "../../pupil-name-filter.js";
import { TRANSFER_STATUSES } from "../../schema.js";
import { accept, content, reject, remove } from "../../transfer-actions.js";
import { transferHistory } from "../../transfer-history.js";
import { fileList } from "../../transfer-list.js";
import { getTransfer, listInbox, listPupils } from "../../transfer-reads.js";
import { nextSequence, tooLarge, upload } from "../../upload.js";
import { replayUpload, uploadContent } from "../idempotency.js";
import { principalOf } from "../principal.js";

const tags = ["transfers"];

/** A page of a list of files, as the inbox and the sent list are read: the same bounds for both. */
const transferPage = (total: string) =>
  ok(
    Type.Object({
      transfers: Type.Array(Transfer),
      page: Type.Integer(),
      more: Type.Boolean(),
      total: Type.Integer({ description: total }),
    }),
    "Files, with their status",
  );

/**
 * The uploaded file, as a stream: a multipart field "file", or the raw XML body with ?filename=.
 * Nothing is buffered here; the domain counts, hashes and encrypts it on its way to the store.
 */
async function uploadedFile(
  ctx: HubContext,
  request: FastifyRequest,
): Promise<{ fileName: string; content: AsyncIterable<Uint8Array> }> {
  if (request.isMultipart()) {
    const part = await request.file();
    if (part?.fieldname !== "file")
      throw invalid('Send the CTF in a multipart field named "file".', "file");
    return { fileName: part.filename, content: untruncated(ctx, part) };
  }
  const fileName = (request.query as { filename?: string }).filename;
  if (!fileName) throw invalid("Name the file: ?filename=SSSSSSS_CTF_DDDDDDD_NNN.XML", "filename");
  const body = request.body as AsyncIterable<Uint8Array> | undefined;
  if (!body || typeof body[Symbol.asyncIterator] !== "function")
    throw invalid("Send the CTF as the request body (Content-Type: application/xml).");
  return { fileName, content: body };
}

/** A multipart file's stream, failing rather than ending quietly where the size limit cut it. */
export async function* untruncated(
  ctx: HubContext,
  part: MultipartFile,
): AsyncIterable<Uint8Array> {
  // Not destroyed when the upload stops reading early (a refused file): the rest of the form
  // is still to come through this stream, and is drained instead.
  yield* part.file.iterator({ destroyOnReturn: false });
  if (part.file.truncated) throw tooLarge(ctx);
}

export function transferRoutes(fastify: FastifyInstance, ctx: HubContext): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  for (const type of ["application/xml", "text/xml", "application/octet-stream"]) {
    // The body stays a stream: the upload reads it on its way to the store.
    fastify.addContentTypeParser(type, (_req, payload, done) => done(null, payload));
  }

  app.post(
    "/api/v1/transfers",
    {
      bodyLimit: ctx.config.maxUploadBytes,
      schema: {
        tags,
        summary: 'Upload a CTF: multipart field "file", or raw XML with ?filename=',
        querystring: Type.Object({ filename: Type.Optional(Type.String()) }),
        response: {
          202: ok(
            Type.Object({ id: Type.String(), status: Type.String(), fileName: Type.String() }),
            "Stored and queued to be checked (status checking)",
          ),
          ...errors(400, 401, 403, 413),
        },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const file = await uploadedFile(ctx, request);
      if (request.idempotencyReplay)
        return replayUpload(request, reply, file.fileName, file.content);
      // The upload hashes the file on its way to the store: that hash is kept with the answer.
      let sha256: string | undefined;
      try {
        const result = await upload(ctx, p, { ...file, onHashed: (h) => (sha256 = h) });
        return reply.status(202).send(result);
      } finally {
        if (request.idempotencyKey)
          request.idempotencyContent = uploadContent(file.fileName, sha256);
      }
    },
  );

  app.get(
    "/api/v1/transfers/next-sequence",
    {
      schema: {
        tags,
        summary: "The next free _NNN for files from one LAESTAB to another",
        querystring: Type.Object({ from: Type.String(), to: Type.String() }),
        response: {
          200: ok(
            Type.Object({ sequence: Type.Integer(), fileName: Type.String() }),
            "The next free sequence number and the file name it gives",
          ),
          ...errors(401, 403),
        },
      },
    },
    async (request) => {
      const { from, to } = request.query;
      return nextSequence(ctx, principalOf(request), from.toUpperCase(), to.toUpperCase());
    },
  );

  app.get(
    "/api/v1/transfers/:id",
    {
      schema: {
        tags,
        summary: "Status, destination, errors, warnings, pupil count",
        params: IdParams,
        response: { 200: ok(Transfer, "The file as you may see it"), ...errors(401, 404) },
      },
    },
    async (request) => getTransfer(ctx, principalOf(request), request.params.id),
  );

  app.get(
    "/api/v1/transfers/:id/history",
    {
      schema: {
        tags,
        summary: "What has happened to the file, oldest first",
        description:
          "Sent, checked, e-mailed, looked at, accepted, downloaded, rejected, passed on, expired, " +
          "removed, deleted, each with its time. Users are named only to their own organisation.",
        params: IdParams,
        response: {
          200: ok(
            Type.Object({
              events: Type.Array(
                Type.Object({
                  at: Type.String({ format: "date-time" }),
                  kind: Type.String({
                    description:
                      "upload, transfer.checked, accept, download, reject, redirect, expire, remove, purge, look, mail, mail.waiting...",
                  }),
                  text: Type.String(),
                }),
              ),
            }),
            "The file's history",
          ),
          ...errors(401, 404),
        },
      },
    },
    async (request) => ({
      events: await transferHistory(ctx, principalOf(request), request.params.id),
    }),
  );

  app.get(
    "/api/v1/transfers/:id/pupils",
    {
      schema: {
        tags,
        summary: "Who is in the file, 100 a page (audited)",
        params: IdParams,
        querystring: Type.Object({ page: Type.Optional(Type.Integer({ minimum: 1 })) }),
        response: {
          200: ok(
            Type.Object({
              pupils: Type.Array(Pupil),
              page: Type.Integer(),
              pages: Type.Integer(),
              total: Type.Integer({ description: "pupils in the whole file" }),
            }),
            "The pupils in the file, in file order",
          ),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request) =>
      listPupils(ctx, principalOf(request), request.params.id, request.query.page ?? 1),
  );

  app.post(
    "/api/v1/transfers/:id/accept",
    {
      schema: {
        tags,
        summary: "Accept the file, then download its content",
        description:
          "A Lost Pupils or out-of-sector file is its sending school's LA's alone to accept (any other LA: 403), and accepting it leaves it in the register: that LA may download its content without accepting, and removes it when the child is found.",
        params: IdParams,
        response: { 200: ok(Transfer, "Accepted: now downloaded"), ...errors(401, 403, 404, 409) },
      },
    },
    async (request) => accept(ctx, principalOf(request), request.params.id),
  );

  // The file's bytes: downloaded once accepted, or read first by the receiving school's import.
  for (const [mode, summary] of [
    ["content", "The file's XML, after accepting (audited)"],
    [
      "preview",
      "The file's XML for the receiving school before it accepts (audited; the file stays waiting): for matching its pupils in an import",
    ],
  ] as const)
    app.get(
      `/api/v1/transfers/:id/${mode}`,
      {
        schema: {
          tags,
          summary,
          params: IdParams,
          response: {
            200: Type.Unsafe<NodeJS.ReadableStream>({
              type: "string",
              description: "the CTF's XML, exactly as it was sent",
            }),
            ...errors(401, 403, 404, 409),
          },
        },
      },
      async (request, reply) => {
        const file = await content(
          ctx,
          principalOf(request),
          request.params.id,
          mode === "content" ? "download" : "preview",
        );
        return reply
          .header("content-type", "application/xml")
          .header("content-disposition", `attachment; filename="${file.fileName}"`)
          .header("content-length", String(file.sizeBytes))
          .header("cache-control", "no-store")
          .send(file.stream);
      },
    );

  app.post(
    "/api/v1/transfers/:id/reject",
    {
      schema: {
        tags,
        summary: "Reject the file with a reason; the sender is e-mailed",
        params: IdParams,
        body: Type.Object({ reason: Type.String() }),
        response: { 200: ok(Transfer, "Rejected"), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => reject(ctx, principalOf(request), request.params.id, request.body.reason),
  );

  app.delete(
    "/api/v1/transfers/:id",
    {
      schema: {
        tags,
        summary:
          "Remove: the sender before download, the receiver after; a register file, its sending school's LA alone",
        params: IdParams,
        response: { 204: NoContent, ...errors(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await remove(ctx, principalOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/api/v1/inbox",
    {
      schema: {
        tags,
        summary: "Files awaiting my organisation, oldest first",
        description:
          "By default the files waiting to be downloaded (`available`). `status=downloaded`, or " +
          "`status=available,downloaded`, lists those too while the hub keeps them. A page holds " +
          "`pageSize` files (100 unless given, at most 500); `more` says whether another follows.",
        querystring: Type.Object({
          status: Type.Optional(
            Type.String({ description: "available, downloaded, or both comma-separated" }),
          ),
          q: Type.Optional(
            Type.String({
              maxLength: 50,
              description:
                "the start of a pupil's surname or forename: only files holding such a pupil (your organisation's own files; audited, never the words)",
            }),
          ),
          ...PAGE_QUERY,
        }),
        response: {
          200: transferPage("files of these statuses, on every page"),
          ...errors(400, 401),
        },
      },
    },
    async (request) => {
      const { status = "available", page = 1, pageSize = 100 } = request.query;
      const wanted = new Set(status.split(",").map((x) => x.trim()));
      for (const w of wanted)
        if (w !== "available" && w !== "downloaded")
          throw invalid(
            `The inbox holds files "available" (waiting to be downloaded) or "downloaded"; "${w}" is neither.`,
            "status",
          );
      const p = principalOf(request);
      let all = (await listInbox(ctx, p)).filter((t) => wanted.has(t.status));
      const name = nameQuery(request.query.q);
      if (name !== undefined) {
        all = await filesNamingPupil(ctx, all, name);
        await auditNameSearch(ctx, p, "inbox", all.length);
      }
      const from = (page - 1) * pageSize;
      return {
        transfers: all.slice(from, from + pageSize),
        page,
        more: all.length > from + pageSize,
        total: all.length,
      };
    },
  );

  app.get(
    "/api/v1/sent",
    {
      schema: {
        tags,
        summary: "Files my organisation sent, with status",
        description:
          "Newest first (sort=oldest for the other way), a page at a time. A local authority's list holds what it sent and what its schools sent.",
        querystring: Type.Object({
          status: Type.Optional(Type.Union(TRANSFER_STATUSES.map((x) => Type.Literal(x)))),
          to: Type.Optional(
            Type.String({
              pattern: "^[0-9A-Z]{7}$",
              description: "only files sent to this number",
            }),
          ),
          sort: Type.Optional(Type.Union([Type.Literal("newest"), Type.Literal("oldest")])),
          q: Type.Optional(
            Type.String({
              maxLength: 50,
              description:
                "the start of a pupil's surname or forename: only files holding such a pupil (your organisation's own files; audited, never the words)",
            }),
          ),
          ...PAGE_QUERY,
        }),
        response: {
          200: transferPage("files matching, on every page"),
          ...errors(400, 401),
        },
      },
    },
    async (request) => {
      const { status, to, sort = "newest", page = 1, pageSize = 100 } = request.query;
      const p = principalOf(request);
      const name = nameQuery(request.query.q);
      const got = await fileList(ctx, p, "sent", {
        status,
        party: to,
        order: sort,
        page,
        pageSize,
        ...(name === undefined ? {} : { pupilName: name }),
      });
      if (name !== undefined) await auditNameSearch(ctx, p, "sent", got.total);
      return {
        transfers: got.files,
        page: got.page,
        more: got.page < got.pages,
        total: got.total,
      };
    },
  );
}
