import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { notFound } from "../../../platform/errors.js";
import { errors, IdParams, NoContent, NullableString, ok } from "../../../platform/web/schemas.js";
import {
  addAssociatedSchool,
  listAssociatedSchools,
  removeAssociatedSchool,
  searchDirectory,
  updateAssociatedSchool,
} from "../../associated-schools.js";
import { addClosure, type Closure, closuresBetween } from "../../calendar.js";
import type { MisContext } from "../../context.js";
import {
  createExports,
  exportFile,
  listExports,
  refreshFromHub,
  sendSavedExport,
} from "../../export.js";
import { checkHubConnection } from "../../hub-connection.js";
import { LEAVING_REASONS, setLeaving, setLeavingFor } from "../../leaving.js";
import { overdueLeavers } from "../../overdue.js";
import { managerOnly, misManagerOf, misPrincipalOf } from "../principal.js";

const Associated = Type.Object({
  laestab: Type.String(),
  urn: NullableString(),
  name: Type.String(),
  la: Type.Object({ code: Type.String(), name: Type.String() }),
  code: NullableString(),
  feeder: Type.Boolean(),
});

const Export = Type.Object({
  id: Type.String({ format: "uuid" }),
  fileName: Type.String(),
  destination: Type.String(),
  destinationName: Type.String(),
  destinationText: Type.String({
    description:
      'the destination in words with its number: "Meadow Lane Primary School (9382001)", "Lost Pupils database"',
  }),
  pupils: Type.Array(Type.String({ format: "uuid" })),
  status: Type.String({
    description:
      "waiting (to be sent), saved (kept back: in the data exchange folder when one is set), refused (by the hub), or once sent the hub's: checking, available, lost, outside, downloaded, rejected, expired, failed",
  }),
  statusText: Type.String({
    description:
      'the status in words, naming the school: "Waiting for Meadow Lane Primary School (9382001) to collect it"',
  }),
  transferId: NullableString(),
  detail: Type.Unsafe<unknown>({
    type: ["object", "null"],
    additionalProperties: true,
    description: "the hub's downloadedAt, rejectedAt, rejectReason, expiresAt, errors",
  }),
  lastError: NullableString(),
  createdAt: Type.String({ format: "date-time" }),
  sentAt: NullableString({ format: "date-time" }),
  savedTo: NullableString({ description: "where it was written in the data exchange folder" }),
  partial: Type.Boolean({
    description:
      "sent as a partial CTF: a pupil's record lacks areas no file ever gave (its DataDescriptor says which)",
  }),
});

/** Associated schools, leaving details and exports: the leaving half of a transfer. */
export function leaverRoutes(fastify: FastifyInstance, ctx: MisContext): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    "/api/v1/directory",
    {
      schema: {
        tags: ["associated schools"],
        summary: "Search the hub's directory by name or number, to choose a school to add",
        querystring: Type.Object({ q: Type.String() }),
        response: {
          200: ok(Type.Object({ establishments: Type.Array(Type.Unknown()) }), "Matches"),
          ...errors(400, 401),
        },
      },
    },
    async (request) => {
      misPrincipalOf(request);
      return { establishments: await searchDirectory(ctx, request.query.q) };
    },
  );

  app.get(
    "/api/v1/associated-schools",
    {
      schema: {
        tags: ["associated schools"],
        summary: "This school's destination and feeder schools",
        response: {
          200: ok(Type.Object({ schools: Type.Array(Associated) }), "By name"),
          ...errors(401),
        },
      },
    },
    async (request) => {
      misPrincipalOf(request);
      return { schools: await listAssociatedSchools(ctx) };
    },
  );

  app.post(
    "/api/v1/associated-schools",
    {
      schema: {
        tags: ["associated schools"],
        summary: "Add a school from the hub's directory (its numbers and name come from there)",
        body: Type.Object({
          laestab: Type.String(),
          code: Type.Optional(Type.String({ description: "this school's own short code" })),
          feeder: Type.Optional(Type.Boolean()),
        }),
        response: { 201: ok(Associated, "Added"), ...errors(400, 401, 409) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await addAssociatedSchool(ctx, misPrincipalOf(request), request.body)),
  );

  const LaestabParams = Type.Object({ laestab: Type.String({ pattern: "^[0-9]{7}$" }) });

  app.patch(
    "/api/v1/associated-schools/:laestab",
    {
      schema: {
        tags: ["associated schools"],
        summary: "Change this school's own code for an associated school, or its feeder flag",
        params: LaestabParams,
        body: Type.Object({
          code: Type.Optional(
            NullableString({
              maxLength: 10,
              description: "this school's own short code; null clears it",
            }),
          ),
          feeder: Type.Optional(Type.Boolean()),
        }),
        response: { 200: ok(Associated, "Changed"), ...errors(400, 401, 404) },
      },
    },
    async (request) =>
      updateAssociatedSchool(ctx, misPrincipalOf(request), request.params.laestab, request.body),
  );

  app.delete(
    "/api/v1/associated-schools/:laestab",
    {
      schema: {
        tags: ["associated schools"],
        summary:
          "Remove an associated school (409 while a leaver's file to it has still to arrive)",
        params: LaestabParams,
        response: { 204: NoContent, ...errors(401, 404, 409) },
      },
    },
    async (request, reply) => {
      await removeAssociatedSchool(ctx, misPrincipalOf(request), request.params.laestab);
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/api/v1/leaving-reasons",
    {
      schema: {
        tags: ["leaving"],
        summary: "The reasons a leaver's record may give",
        response: {
          200: ok(
            Type.Object({
              reasons: Type.Array(Type.Object({ code: Type.String(), description: Type.String() })),
            }),
            "Reasons",
          ),
        },
      },
    },
    async (request) => {
      misPrincipalOf(request);
      return { reasons: [...LEAVING_REASONS] };
    },
  );

  app.post(
    "/api/v1/pupils/:id/leaving",
    {
      schema: {
        tags: ["leaving"],
        summary:
          "Record a pupil's leaving: date, reason and destination (an associated school, XXXXXXX unknown, MMMMMMM out of sector)",
        params: IdParams,
        body: Type.Object({
          date: Type.String({ description: "YYYY-MM-DD" }),
          reason: Type.String(),
          destination: Type.String(),
        }),
        response: {
          200: ok(
            Type.Object({ date: Type.String(), reason: Type.String(), destination: Type.String() }),
            "Recorded",
          ),
          ...errors(400, 401, 404),
        },
      },
    },
    async (request) => setLeaving(ctx, misPrincipalOf(request), request.params.id, request.body),
  );

  app.post(
    "/api/v1/leaving",
    {
      schema: {
        tags: ["leaving"],
        summary:
          "The same leaving details for several pupils: all saved, or none (each refusal names its pupil)",
        body: Type.Object({
          pupils: Type.Array(Type.String(), { minItems: 1 }),
          date: Type.String({ description: "YYYY-MM-DD" }),
          reason: Type.String(),
          destination: Type.String(),
        }),
        response: {
          200: ok(
            Type.Object({
              date: Type.String(),
              reason: Type.String(),
              destination: Type.String(),
              pupils: Type.Integer(),
            }),
            "Recorded for every pupil",
          ),
          ...errors(400, 401),
        },
      },
    },
    async (request) => {
      const { pupils, ...details } = request.body;
      return setLeavingFor(ctx, misPrincipalOf(request), pupils, details);
    },
  );

  app.post(
    "/api/v1/exports",
    {
      schema: {
        tags: ["exports"],
        summary:
          "Export leavers' CTFs (one file a destination school, one a pupil for XXXXXXX), checked before they leave; send: true sends them to the hub now, send: false keeps them back and writes them to the data exchange folder when one is set",
        body: Type.Object({
          pupils: Type.Array(Type.String(), { minItems: 1 }),
          send: Type.Optional(Type.Boolean({ default: true })),
        }),
        response: {
          201: ok(Type.Object({ exports: Type.Array(Export) }), "The files made"),
          ...errors(400, 401),
        },
      },
    },
    async (request, reply) => {
      const made = await createExports(ctx, misPrincipalOf(request), {
        pupils: request.body.pupils,
        send: request.body.send !== false,
      });
      return reply.status(201).send({ exports: made });
    },
  );

  app.get(
    "/api/v1/exports",
    {
      schema: {
        tags: ["exports"],
        summary: "Files exported, newest first, with what the hub says of each now",
        response: {
          200: ok(Type.Object({ exports: Type.Array(Export) }), "Exports"),
          ...errors(401),
        },
      },
    },
    async (request) => {
      misPrincipalOf(request);
      // The hub's word when it can be had; the last known when it cannot.
      await refreshFromHub(ctx).catch(() => {});
      return { exports: await listExports(ctx) };
    },
  );

  app.post(
    "/api/v1/exports/:id/send",
    {
      schema: {
        tags: ["exports"],
        summary: "Send a file that was kept back (send: false) to the hub now",
        params: IdParams,
        response: { 200: ok(Export, "The export, sent or waiting"), ...errors(401, 404, 409) },
      },
    },
    async (request) => sendSavedExport(ctx, misPrincipalOf(request), request.params.id),
  );

  app.get(
    "/api/v1/exports/:id/file",
    { schema: { tags: ["exports"], summary: "The exported CTF itself", params: IdParams } },
    async (request, reply) => {
      const file = await exportFile(ctx, misPrincipalOf(request), request.params.id);
      if (!file) throw notFound();
      return reply
        .header("content-type", "application/xml")
        .header("content-disposition", `attachment; filename="${file.file_name}"`)
        .send(file.xml);
    },
  );

  app.get(
    "/api/v1/overdue",
    {
      schema: {
        tags: ["leaving"],
        summary:
          "Leavers more than 15 school days gone whose CTF no destination has downloaded, most overdue first",
        response: {
          200: ok(
            Type.Object({
              pupils: Type.Array(
                Type.Object({
                  id: Type.String(),
                  upn: NullableString(),
                  surname: Type.String(),
                  forename: Type.String(),
                  destination: NullableString(),
                  leavingDate: Type.String(),
                  schoolDaysSince: Type.Integer(),
                  file: Type.Object(
                    {
                      kind: Type.Union([
                        Type.Literal("not-sent"),
                        Type.Literal("on-its-way"),
                        Type.Literal("not-collected"),
                        Type.Literal("arrived"),
                        Type.Literal("not-arrived"),
                      ]),
                      text: Type.String({
                        description: "where it stands and what to do, in words",
                      }),
                      why: Type.Optional(Type.String({ description: "why it did not arrive" })),
                    },
                    { description: "the leaver's latest file" },
                  ),
                }),
              ),
            }),
            "Overdue leavers",
          ),
          ...errors(401),
        },
      },
    },
    async (request) => {
      misPrincipalOf(request);
      await refreshFromHub(ctx).catch(() => {});
      return { pupils: await overdueLeavers(ctx) };
    },
  );

  app.get(
    "/api/v1/calendar",
    {
      schema: {
        tags: ["calendar"],
        summary:
          "The days the school is closed in an academic year: its own, or England's usual pattern where it has given none",
        querystring: Type.Object({ year: Type.Integer({ description: "2026 for 2026/27" }) }),
      },
    },
    async (request) => {
      misPrincipalOf(request);
      const y = request.query.year;
      return { closures: await closuresBetween(ctx, `${y}-09-01`, `${y + 1}-08-31`) };
    },
  );

  app.post(
    "/api/v1/calendar/closures",
    {
      preValidation: managerOnly,
      schema: {
        tags: ["calendar"],
        summary:
          "Add a closure (holiday, half-term, inset, bank-holiday); once a year has one of its own, England's usual dates no longer fill it",
        body: Type.Object({
          firstDay: Type.String(),
          lastDay: Type.String(),
          kind: Type.String(),
          label: Type.String(),
        }),
      },
    },
    async (request, reply) => {
      misManagerOf(request);
      const body = request.body as Closure;
      return reply.status(201).send(await addClosure(ctx, body));
    },
  );

  app.get(
    "/api/v1/hub-connection",
    {
      schema: {
        tags: ["settings"],
        summary:
          "Test the connection to the hub: says whether the address, the token or its school is wrong",
      },
    },
    async (request) => {
      misManagerOf(request);
      return checkHubConnection(ctx);
    },
  );
}
