/** Importing CTFs: what can be imported, the proposed matches, a preview, commit and undo. */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { invalid } from "../../../platform/errors.js";
import { errors, IdParams, NullableString, ok } from "../../../platform/web/schemas.js";
import type { MisContext } from "../../context.js";
import { undoImport } from "../../import-undo.js";
import {
  commitImport,
  createImport,
  getImport,
  listImports,
  listIncoming,
  previewAll,
  previewImport,
} from "../../imports.js";
import type { ImportSource } from "../../incoming.js";
import { misPrincipalOf } from "../principal.js";

const tags = ["imports"];
const Json = (description: string) =>
  Type.Unsafe<unknown>({ type: "object", additionalProperties: true, description });

const Match = Type.Object({
  pupil: Type.String({ format: "uuid" }),
  score: Type.Integer({ description: "0 to 100; 100 is a UPN match" }),
  certain: Type.Boolean({ description: "by UPN or former UPN" }),
  why: Type.Array(Type.String()),
});

const Proposed = Type.Object({
  position: Type.Integer(),
  upn: NullableString(),
  surname: Type.String(),
  forename: Type.String(),
  dob: NullableString(),
  sex: NullableString(),
  matches: Type.Array(Match),
});

const Created = Type.Object({
  id: Type.String({ format: "uuid" }),
  fileName: Type.String(),
  from: Type.Object({ laestab: NullableString(), name: NullableString() }),
  importedBefore: Type.Union([Type.Null(), Json("{at, by}: this file was imported before")]),
  pupils: Type.Array(Proposed),
});

const Decision = Type.Object({
  position: Type.Integer(),
  action: Type.String({ description: "new, merge or skip" }),
  pupil: Type.Optional(Type.String({ description: "the register pupil to merge into" })),
  take: Type.Optional(
    Type.Array(Type.String(), {
      description: "areas or fields whose values come from the file (see the preview's names)",
    }),
  ),
  admissionDate: Type.Optional(Type.String()),
  ncYear: Type.Optional(Type.String()),
  regGroup: Type.Optional(Type.String()),
});

/** The source of a new import: a hub transfer, a file in the folder, or a multipart upload. */
async function sourceOf(
  request: FastifyRequest,
): Promise<{ source: ImportSource; again: boolean }> {
  if (request.isMultipart()) {
    let again = false;
    for await (const part of request.parts()) {
      if (part.type === "field" && part.fieldname === "again") again = part.value === "true";
      else if (part.type === "file" && part.fieldname === "file") {
        const bytes = new Uint8Array(await part.toBuffer());
        return { source: { upload: { fileName: part.filename, bytes } }, again };
      } else if (part.type === "file") {
        // Read past unread: the next part never comes while a file part waits to be read.
        part.file.resume();
      }
    }
    throw invalid('Send the CTF in a multipart field named "file".', "file");
  }
  const body = (request.body ?? {}) as { transfer?: unknown; file?: unknown; again?: unknown };
  const again = body.again === true;
  if (typeof body.transfer === "string") return { source: { transfer: body.transfer }, again };
  if (typeof body.file === "string") return { source: { file: body.file }, again };
  throw invalid(
    'Say what to import: {"transfer": id} from the hub, {"file": name} in the data exchange folder, or a multipart "file".',
  );
}

export function importRoutes(fastify: FastifyInstance, ctx: MisContext): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    "/api/v1/incoming",
    {
      schema: {
        tags,
        summary:
          "Files this school can import: waiting on the hub, and in the data exchange folder, each with whether it was imported before",
        response: {
          200: ok(
            Type.Object({
              files: Type.Array(
                Type.Object({
                  source: Type.String({ description: "hub or folder" }),
                  transferId: Type.Optional(Type.String()),
                  fileName: Type.String(),
                  from: Type.Object({ laestab: Type.String(), name: NullableString() }),
                  pupils: Type.Integer(),
                  receivedAt: Type.String({ format: "date-time" }),
                  importedBefore: Type.Union([Type.Null(), Json("{at, by}")]),
                }),
              ),
              problems: Type.Array(Type.String()),
            }),
            "Files to import",
          ),
          ...errors(401),
        },
      },
    },
    async (request) => {
      misPrincipalOf(request);
      return listIncoming(ctx);
    },
  );

  app.post(
    "/api/v1/imports",
    {
      schema: {
        tags,
        summary:
          'Start an import: {"transfer": id} (read on the hub, accepted only at commit), {"file": name} in the data exchange folder, or multipart "file"; "again": true imports a file imported before. Returns each pupil\'s proposed matches.',
        response: { 201: ok(Created, "The import, proposed"), ...errors(400, 401, 404, 409, 502) },
      },
    },
    async (request, reply) => {
      const actor = misPrincipalOf(request);
      const { source, again } = await sourceOf(request);
      return reply.status(201).send(await createImport(ctx, actor, source, { again }));
    },
  );

  app.get(
    "/api/v1/imports",
    {
      schema: {
        tags,
        summary: "Import history, newest first: file, sender, who, when, counts, undo",
        response: {
          200: ok(Type.Object({ imports: Type.Array(Json("an import")) }), "Imports"),
          ...errors(401),
        },
      },
    },
    async (request) => {
      misPrincipalOf(request);
      return { imports: await listImports(ctx) };
    },
  );

  app.get(
    "/api/v1/imports/:id",
    {
      schema: {
        tags,
        summary: "An import: its file, status and each pupil's proposed matches",
        params: IdParams,
        response: { 200: ok(Json("the import"), "The import"), ...errors(401, 404) },
      },
    },
    async (request) => {
      misPrincipalOf(request);
      return getImport(ctx, request.params.id);
    },
  );

  app.get(
    "/api/v1/imports/:id/preview",
    {
      schema: {
        tags,
        summary:
          "What merging the file's pupil at position N would do, area by area and field by field: the register's value, the file's, and which is kept (same, register, file, added, removed). Without a position: every pupil's, as {pupils: [...]}, each into its best match with the defaults",
        params: IdParams,
        querystring: Type.Object({
          position: Type.Optional(Type.Integer({ minimum: 1 })),
          pupil: Type.Optional(Type.String()),
          take: Type.Optional(Type.String({ description: "areas or fields, comma-separated" })),
        }),
        response: { 200: ok(Json("the preview"), "The preview"), ...errors(400, 401, 404) },
      },
    },
    async (request) => {
      const q = request.query;
      if (q.position === undefined)
        return { pupils: await previewAll(ctx, misPrincipalOf(request), request.params.id) };
      return previewImport(ctx, misPrincipalOf(request), request.params.id, {
        position: q.position,
        ...(q.pupil ? { pupil: q.pupil } : {}),
        ...(q.take ? { take: q.take.split(",").map((t) => t.trim()) } : {}),
      });
    },
  );

  app.post(
    "/api/v1/imports/:id/commit",
    {
      schema: {
        tags,
        summary:
          "Commit: add, merge or skip each pupil (a UPN match merges and a pupil like no one is added unless told otherwise; a pupil resembling someone needs a decision). A file from the hub is accepted there once the commit is made: `hubAccept` says whether the hub took it (accepted), will be told when it answers (waiting), or refused.",
        params: IdParams,
        body: Type.Object({
          admissionDate: Type.String({ description: "YYYY-MM-DD; a date to come makes intake" }),
          ncYear: Type.Optional(Type.String()),
          regGroup: Type.Optional(Type.String()),
          decisions: Type.Optional(Type.Array(Decision)),
        }),
        response: {
          200: ok(Json("{id, status, added, merged, skipped, hubAccept}"), "Committed"),
          ...errors(400, 401, 404, 409, 502),
        },
      },
    },
    async (request) =>
      commitImport(ctx, misPrincipalOf(request), request.params.id, {
        ...request.body,
        decisions: request.body.decisions as never,
      }),
  );

  app.post(
    "/api/v1/imports/:id/undo",
    {
      schema: {
        tags,
        summary:
          "Undo a committed import: pupils it added removed, pupils it merged restored field for field (what was changed by hand since stays, and is named)",
        params: IdParams,
        response: {
          200: ok(Json("{id, status, removed, restored, notes}"), "Undone"),
          ...errors(401, 404, 409),
        },
      },
    },
    async (request) => undoImport(ctx, misPrincipalOf(request), request.params.id),
  );
}
