import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { errors, IdParams, NullableString, ok } from "../../../platform/web/schemas.js";
import type { MisContext } from "../../context.js";
import { createPupil, updatePupil } from "../../pupil-edits.js";
import { getPupil, listPupils } from "../../pupils.js";
import { misPrincipalOf } from "../principal.js";

const tags = ["pupils"];

const Listed = Type.Object({
  id: Type.String({ format: "uuid" }),
  upn: NullableString(),
  upnValid: Type.Union([Type.Boolean(), Type.Null()], {
    description:
      "whether the UPN passes its check letter (null: no UPN); one that fails is kept as the file gave it but never used to recognise the pupil",
  }),
  surname: Type.String(),
  forename: Type.String(),
  dob: NullableString({ description: "YYYY-MM-DD" }),
  sex: NullableString(),
  ncYear: NullableString(),
  regGroup: NullableString(),
  status: Type.String({ description: "applicant, intake, onroll or left" }),
  admissionDate: Type.Optional(
    NullableString({ description: "YYYY-MM-DD: the day they join (intake) or joined" }),
  ),
});

const PupilRecord = Type.Object(
  {
    ...Listed.properties,
    admissionDate: NullableString(),
    neverGiven: Type.Array(Type.String(), {
      description:
        "areas of the record no file has ever given (it came from partial CTFs: contacts, address, ...); its export is marked partial while any remain",
    }),
    leaving: Type.Unsafe<unknown>({
      type: ["object", "null"],
      additionalProperties: true,
      description: "{date, reason, destination}, or null",
    }),
    contacts: Type.Array(Type.Unknown()),
    addresses: Type.Array(Type.Unknown()),
    languages: Type.Array(Type.Unknown()),
    attendance: Type.Array(Type.Unknown()),
    assessments: Type.Array(Type.Unknown()),
    senHistory: Type.Array(Type.Unknown()),
    fsmHistory: Type.Array(Type.Unknown()),
    schoolHistory: Type.Array(Type.Unknown()),
  },
  { additionalProperties: true },
);

const Nullable = () => Type.Optional(Type.Union([Type.String(), Type.Null()]));
const CoreBody = Type.Object({
  upn: Nullable(),
  surname: Type.Optional(Type.String()),
  forename: Type.Optional(Type.String()),
  preferredSurname: Nullable(),
  preferredForename: Nullable(),
  formerSurname: Nullable(),
  middleNames: Nullable(),
  dob: Type.Optional(Type.String({ description: "YYYY-MM-DD" })),
  sex: Type.Optional(Type.String({ description: "M or F" })),
  ncYear: Nullable(),
  regGroup: Nullable(),
  admissionDate: Nullable(),
  medicalFlag: Nullable(),
  status: Type.Optional(Type.String({ description: "applicant, intake, onroll or left" })),
});

export function pupilRoutes(fastify: FastifyInstance, ctx: MisContext): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    "/api/v1/pupils",
    {
      schema: {
        tags,
        summary: "Add a pupil by hand (surname, forename, dob and sex needed); audited",
        body: CoreBody,
        response: { 201: ok(PupilRecord, "The pupil added"), ...errors(400, 401) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await createPupil(ctx, misPrincipalOf(request), request.body)),
  );

  app.patch(
    "/api/v1/pupils/:id",
    {
      schema: {
        tags,
        summary:
          "Edit a pupil's core details: a field given is set, null clears it, one left out is unchanged; audited with the fields changed",
        params: IdParams,
        body: CoreBody,
        response: { 200: ok(PupilRecord, "The pupil as now recorded"), ...errors(400, 401, 404) },
      },
    },
    async (request) => updatePupil(ctx, misPrincipalOf(request), request.params.id, request.body),
  );
  app.get(
    "/api/v1/pupils",
    {
      schema: {
        tags,
        summary: "Find pupils in the register: by UPN, or by the start of a surname and forename",
        querystring: Type.Object({
          q: Type.Optional(Type.String({ description: 'a UPN, or words ("smi jo")' })),
          status: Type.Optional(Type.String({ description: "applicant, intake, onroll or left" })),
          year: Type.Optional(Type.String({ description: "NC year: R, 1 ... 14" })),
          group: Type.Optional(Type.String({ description: "registration group, e.g. 6A" })),
          page: Type.Optional(Type.Integer({ minimum: 1, description: "50 pupils a page" })),
        }),
        response: {
          200: ok(
            Type.Object({
              pupils: Type.Array(Listed),
              total: Type.Integer(),
              page: Type.Integer(),
              pageSize: Type.Integer(),
            }),
            "Pupils, by surname then forename (the search is audited, without its words)",
          ),
          ...errors(400, 401),
        },
      },
    },
    async (request) => listPupils(ctx, misPrincipalOf(request), request.query),
  );

  app.get(
    "/api/v1/pupils/:id",
    {
      schema: {
        tags,
        summary:
          "A pupil's whole record: core details, enrolment, leaving, and every area a CTF carries as an array (audited)",
        params: IdParams,
        response: {
          200: ok(PupilRecord, "The record, areas as arrays of the CTF's own fields (audited)"),
          ...errors(401, 404),
        },
      },
    },
    async (request) => getPupil(ctx, misPrincipalOf(request), request.params.id),
  );
}
