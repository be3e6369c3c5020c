import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { errors, IdParams, ok, PupilFields } from "../../../contract/hub-api.js";
import type { HubContext } from "../../context.js";
import { browseRegister, redirect, searchLostPupils } from "../../lost-pupils.js";
import { passOnPupil } from "../../pass-on-pupil.js";
import { confirmMatch, dismissMatch, listMatches } from "../../register-matches.js";
import { principalOf } from "../principal.js";

const Criteria = Type.Object({
  surname: Type.Optional(Type.String()),
  forename: Type.Optional(Type.String()),
  sex: Type.Optional(Type.String()),
  dob: Type.Optional(Type.String({ description: "YYYY-MM-DD" })),
  dobFrom: Type.Optional(Type.String()),
  dobTo: Type.Optional(Type.String()),
  upn: Type.Optional(Type.String({ description: "the UPN or a former UPN" })),
  from: Type.Optional(
    Type.String({ description: "the sending school's LAESTAB, or an LA's 3-digit code" }),
  ),
  register: Type.Optional(
    Type.String({
      description: '"lost" (Lost Pupils database) or "outside" (out of sector); both if absent',
    }),
  ),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, description: "20 results a page" })),
});

const SEARCH_RULES =
  "A search names one child: a UPN (or former UPN), or a surname with a date of birth or with " +
  "dobFrom and dobTo at most a year apart; sex, forename, the sending school (`from`) and the " +
  "register narrow it. Surnames match a pupil's surname, former or preferred surname, and " +
  "forenames a forename or preferred forename, within two letters or by sound, or given the " +
  "wrong way round. A date of birth finds children born on it, up to 3 days either side, or " +
  "with its day and month swapped. Each result says `why` it matched. Results come 20 to a " +
  "page, ranked by how much matches (`more` says " +
  "whether another page follows). Each user may search 60 times an hour (then 429, and the " +
  "service is told). Every search is audited.";

const Hit = Type.Object({
  transferId: Type.String({ format: "uuid" }),
  status: Type.String({ description: "lost or outside" }),
  sourceLaestab: Type.String(),
  sourceName: Type.Union([Type.String(), Type.Null()], {
    description: "the sending school's name (null if it is not in the directory)",
  }),
  receivedAt: Type.String({ format: "date-time" }),
  why: Type.Array(Type.String(), {
    description:
      'what matched, in words: "UPN", \'surname "Smyth", like "smith"\', "date of birth"...',
  }),
  ...PupilFields,
});
const Hits = ok(
  Type.Object({ pupils: Type.Array(Hit), page: Type.Integer(), more: Type.Boolean() }),
  "Matching pupils, best first (audited)",
);

export function lostPupilRoutes(fastify: FastifyInstance, ctx: HubContext): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    "/api/v1/lost-pupils",
    {
      schema: {
        tags: ["lost pupils"],
        summary:
          "Search the Lost Pupils and out-of-sector registers (local authorities only). Audited.",
        description: SEARCH_RULES,
        querystring: Criteria,
        response: { 200: Hits, ...errors(400, 401, 403, 429) },
      },
    },
    async (request) => searchLostPupils(ctx, principalOf(request), request.query),
  );

  app.get(
    "/api/v1/lost-pupils/register/:register",
    {
      schema: {
        tags: ["lost pupils"],
        summary: "One register's entries from your own schools, newest first (LAs). Audited.",
        description:
          "`lost` (the Lost Pupils database) or `outside` (out of sector): the files your LA's " +
          "schools sent there, 20 to a page, newest first. Counted as a search.",
        params: Type.Object({ register: Type.String() }),
        querystring: Type.Object({
          page: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
        }),
        response: { 200: Hits, ...errors(400, 401, 403, 429) },
      },
    },
    async (request) =>
      browseRegister(ctx, principalOf(request), {
        register: request.params.register,
        page: request.query.page ?? 1,
      }),
  );

  app.post(
    "/api/v1/lost-pupils/search",
    {
      schema: {
        tags: ["lost pupils"],
        summary: "The same search with the criteria in a JSON body, keeping names out of URLs",
        description: SEARCH_RULES,
        body: Criteria,
        response: { 200: Hits, ...errors(400, 401, 403, 429) },
      },
    },
    async (request) => searchLostPupils(ctx, principalOf(request), request.body),
  );

  app.post(
    "/api/v1/transfers/:id/redirect",
    {
      schema: {
        tags: ["lost pupils"],
        summary: "Pass a lost or out-of-sector file on to the school the pupil joined (LAs)",
        params: IdParams,
        description:
          "With `pupil`, only that pupil (by position) of a multi-pupil file: the hub writes a " +
          "one-pupil CTF for them, sends it to the school as a new file from the original sender " +
          "(its `id` is answered), and keeps the rest of the file in the register.",
        body: Type.Object({
          to: Type.String({ description: "the school's LAESTAB" }),
          pupil: Type.Optional(
            Type.Integer({ minimum: 1, description: "one pupil's position in the file" }),
          ),
        }),
        response: {
          200: ok(
            Type.Object({
              id: Type.String({ format: "uuid" }),
              status: Type.String({
                description:
                  "available (the whole file), or checking (a one-pupil file, checked next)",
              }),
              destination: Type.Object({ laestab: Type.String(), name: Type.String() }),
            }),
            "Passed on; the school is e-mailed",
          ),
          ...errors(400, 401, 404, 409),
        },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const { to, pupil } = request.body;
      if (pupil === undefined) return redirect(ctx, p, request.params.id, to);
      const one = await passOnPupil(ctx, p, request.params.id, pupil, to);
      return { id: one.id, status: "checking", destination: one.destination };
    },
  );

  const Match = Type.Object({
    id: Type.String({ format: "uuid" }),
    lostTransferId: Type.String({ format: "uuid", description: "the register file" }),
    lostPupil: Type.Integer({ description: "the child's position in the register file" }),
    transferId: Type.String({ format: "uuid", description: "the file the child turned up in" }),
    pupil: Type.Integer({ description: "the child's position in that file" }),
    score: Type.Integer(),
    certainty: Type.String({
      description:
        "certain (UPN and date of birth), probable (names and date of birth), or too-close " +
        "(two register pupils score alike)",
    }),
    reasons: Type.Array(Type.String(), { description: "what matched, naming no one" }),
    status: Type.String({ description: "open, passed-on or dismissed" }),
    yourSchool: Type.Boolean({
      description: "the child turned up at one of your schools (you confirm or dismiss)",
    }),
    createdAt: Type.String({ format: "date-time" }),
  });

  app.get(
    "/api/v1/lost-pupils/matches",
    {
      schema: {
        tags: ["lost pupils"],
        summary: "Children in the registers who may have turned up at a school (LAs)",
        description:
          "Each pupil of every file checked for a school is compared with the Lost Pupils " +
          "database and the out-of-sector register; a certain or probable match is listed for " +
          "the LA of the school the pupil turned up at and the LA that keeps the register file " +
          "(open ones first). Both LAs are e-mailed, without the child's name. Audited.",
        response: {
          200: ok(Type.Object({ matches: Type.Array(Match) }), "The LA's possible matches"),
          ...errors(401, 403),
        },
      },
    },
    async (request) => listMatches(ctx, principalOf(request)),
  );

  app.post(
    "/api/v1/lost-pupils/matches/:id/confirm",
    {
      schema: {
        tags: ["lost pupils"],
        summary: "It is the child: pass the register file on to the school (the school's LA)",
        description:
          "The register file (of several pupils, only this child's part) is passed on to the " +
          "school the child turned up at, as `POST /api/v1/transfers/:id/redirect` does. Audited.",
        params: IdParams,
        response: {
          200: ok(
            Type.Object({ id: Type.String({ format: "uuid" }), status: Type.String() }),
            "Passed on",
          ),
          ...errors(400, 401, 403, 404, 409),
        },
      },
    },
    async (request) => confirmMatch(ctx, principalOf(request), request.params.id),
  );

  app.post(
    "/api/v1/lost-pupils/matches/:id/dismiss",
    {
      schema: {
        tags: ["lost pupils"],
        summary: "It is not the child: close the match with a reason (either LA)",
        params: IdParams,
        body: Type.Object({ reason: Type.String({ description: "why, in 500 characters" }) }),
        response: {
          200: ok(
            Type.Object({ id: Type.String({ format: "uuid" }), status: Type.String() }),
            "Dismissed",
          ),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request) =>
      dismissMatch(ctx, principalOf(request), request.params.id, request.body.reason),
  );
}
