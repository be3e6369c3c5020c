/** Shapes shared by the API's routes, for validation and the OpenAPI document. */
import { type TSchema, Type } from "typebox";

export const ErrorReply = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: "stable; see the error catalogue" }),
      message: Type.String({ description: "safe to show the user" }),
      field: Type.Optional(Type.String({ description: "the body property it is about" })),
      detail: Type.Optional(
        Type.Record(Type.String(), Type.String(), {
          description: "facts a program may act on, e.g. transferId of a file sent already",
        }),
      ),
    }),
  },
  { $id: "ErrorReply" },
);

/**
 * A string (or integer) or null as one JSON Schema type list (OpenAPI 3.1). A union of two schemas
 * makes the response serializer validate every value, date formats included, to pick a branch.
 */
const nullable = (type: "string" | "integer", options: Record<string, unknown> = {}) =>
  Type.Unsafe<string | number | null>({ type: [type, "null"], ...options });
export const NullableString = (options: Record<string, unknown> = {}) =>
  Type.Unsafe<string | null>(nullable("string", options));
const NullableInteger = () => Type.Unsafe<number | null>(nullable("integer"));

export const Finding = Type.Object({
  code: Type.String(),
  message: Type.String(),
  line: NullableInteger(),
  column: NullableInteger(),
  pupil: Type.Union([
    Type.Object({
      position: Type.Integer(),
      upn: Type.Optional(Type.String()),
      name: Type.Optional(
        Type.String({ description: "surname and forename, as the file gives them" }),
      ),
    }),
    Type.Null(),
  ]),
});

const Org = Type.Object({ laestab: Type.String(), name: NullableString() });
const Stamp = NullableString({ format: "date-time" });

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
    name: NullableString(),
    kind: Type.String({ description: "school, la, lost or outside" }),
  }),
  sequence: Type.Integer(),
  sizeBytes: Type.Integer(),
  sha256: Type.String({ description: "the file's SHA-256, hex: the same file is the same hash" }),
  ctfVersion: NullableString(),
  pupilCount: Type.Integer(),
  createdAt: Type.String({ format: "date-time" }),
  checkedAt: Stamp,
  downloadedAt: Stamp,
  rejectedAt: Stamp,
  rejectReason: NullableString(),
  removedAt: Stamp,
  expiresAt: Stamp,
  errors: Type.Array(Finding),
  warnings: Type.Array(Finding),
});

/** Who a pupil is, as a file's pupil list and a register search both show it. */
export const PupilFields = {
  upn: NullableString(),
  surname: Type.String(),
  forename: Type.String(),
  dob: NullableString(),
  sex: NullableString(),
  ncYear: NullableString(),
};

export const Pupil = Type.Object({ position: Type.Integer(), ...PupilFields });

export const IdParams = Type.Object({ id: Type.String() });

export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, ErrorReply]));

export const Establishment = Type.Object({
  laestab: Type.String(),
  urn: NullableString(),
  name: Type.String(),
  town: NullableString(),
  la: Type.Object({ code: Type.String(), name: Type.String() }),
  successor: Type.Union(
    [Type.Object({ laestab: Type.String(), name: Type.String() }), Type.Null()],
    {
      description: "the school that took over a closed one, when the directory knows it",
    },
  ),
  type: Type.String(),
  status: Type.String({ description: "open or closed" }),
  independent: Type.Boolean(),
  email: Type.Optional(NullableString({ description: "where notices go; absent in searches" })),
});

export const User = Type.Object({
  id: Type.String({ format: "uuid" }),
  username: Type.String(),
  email: Type.String(),
  role: Type.String({ description: "school, la or admin" }),
  establishment: NullableString(),
  laCode: NullableString(),
  disabled: Type.Boolean(),
  lockedUntil: NullableString({ format: "date-time" }),
  createdAt: Type.String({ format: "date-time" }),
});

export const TokenListed = Type.Object({
  id: Type.String({ format: "uuid" }),
  label: Type.String(),
  createdAt: Type.String({ format: "date-time" }),
  lastUsedAt: NullableString({ format: "date-time" }),
  revokedAt: NullableString({ format: "date-time" }),
  expiresAt: NullableString({ format: "date-time", description: "null: until revoked" }),
  expired: Type.Boolean(),
});

export const Correction = Type.Object({
  id: Type.String({ format: "uuid" }),
  laestab: Type.String(),
  text: Type.String(),
  reportedBy: Type.String(),
  createdAt: Type.String({ format: "date-time" }),
  resolvedAt: NullableString({ format: "date-time" }),
});

export const AuditEvent = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: "date-time" }),
  user_id: NullableString(),
  username: NullableString(),
  organisation: NullableString(),
  action: Type.String(),
  target: NullableString(),
  ip: NullableString(),
  detail: Type.Record(Type.String(), Type.Unknown()),
});

export const NoContent = Type.Null({ description: "Done; no content" });

/** A success response with what it is in words: the API document's reader sees this line. */
export const ok = <T extends TSchema>(schema: T, description: string): T => ({
  ...schema,
  description,
});
