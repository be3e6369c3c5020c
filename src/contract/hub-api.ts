/**
 * The hub's API as types (TypeBox): its routes validate and document with these, and the typed
 * client (client/hub-client.ts) reads its answers by them.
 */
import { Type } from "typebox";
import { NullableInteger, NullableString } from "../platform/web/schemas.js";

export {
  ErrorReply,
  errors,
  IdParams,
  NoContent,
  NullableInteger,
  NullableString,
  ok,
  TokenLifeBody,
  TokenLifeSet,
} from "../platform/web/schemas.js";

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
  organisation: NullableString({
    description:
      'the school or LA by name with its number ("Northshire (LA 823)"); null: an administrator',
  }),
  disabled: Type.Boolean(),
  awaitingApproval: Type.Boolean({
    description: "made by an administrator, waiting for its organisation's approval",
  }),
  lockedUntil: NullableString({ format: "date-time" }),
  createdAt: Type.String({ format: "date-time" }),
  tokenMaxDays: NullableInteger({
    description:
      "the longest life, in days, of a token this user makes, set by an administrator; null: the service's (S2S_TOKEN_MAX_DAYS)",
  }),
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

/** Who is signed in (`GET /api/v1/session`). */
export const Me = Type.Object({
  id: Type.String(),
  username: Type.String(),
  role: Type.String(),
  establishment: NullableString(),
  laCode: NullableString(),
});

/** A paged list's query: a page at a time, up to 500 items. */
export const PAGE_QUERY = {
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
};
