/** Shapes shared by the API's routes, for validation and the OpenAPI document. */
import { Type } from "typebox";

export const ErrorReply = Type.Object(
  { error: Type.Object({ code: Type.String(), message: Type.String() }) },
  { $id: "ErrorReply" },
);

export const Finding = Type.Object({
  code: Type.String(),
  message: Type.String(),
  line: Type.Union([Type.Integer(), Type.Null()]),
  column: Type.Union([Type.Integer(), Type.Null()]),
  pupil: Type.Union([
    Type.Object({ position: Type.Integer(), upn: Type.Optional(Type.String()) }),
    Type.Null(),
  ]),
});

const Org = Type.Object({ laestab: Type.String(), name: Type.Union([Type.String(), Type.Null()]) });
const Stamp = Type.Union([Type.String({ format: "date-time" }), Type.Null()]);

export const Transfer = Type.Object({
  id: Type.String({ format: "uuid" }),
  fileName: Type.String(),
  status: Type.String({
    description:
      "checking, failed, available, lost, outside, downloaded, rejected, removed or expired",
  }),
  source: Org,
  destination: Type.Object({
    laestab: Type.String(),
    name: Type.Union([Type.String(), Type.Null()]),
    kind: Type.String({ description: "school, la, lost or outside" }),
  }),
  sequence: Type.Integer(),
  sizeBytes: Type.Integer(),
  ctfVersion: Type.Union([Type.String(), Type.Null()]),
  pupilCount: Type.Integer(),
  createdAt: Type.String({ format: "date-time" }),
  checkedAt: Stamp,
  downloadedAt: Stamp,
  rejectedAt: Stamp,
  rejectReason: Type.Union([Type.String(), Type.Null()]),
  removedAt: Stamp,
  expiresAt: Stamp,
  errors: Type.Array(Finding),
  warnings: Type.Array(Finding),
});

export const Pupil = Type.Object({
  position: Type.Integer(),
  upn: Type.Union([Type.String(), Type.Null()]),
  surname: Type.String(),
  forename: Type.String(),
  dob: Type.Union([Type.String(), Type.Null()]),
  sex: Type.Union([Type.String(), Type.Null()]),
  ncYear: Type.Union([Type.String(), Type.Null()]),
});

export const IdParams = Type.Object({ id: Type.String() });

export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, ErrorReply]));
