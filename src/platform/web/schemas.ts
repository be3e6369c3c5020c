/**
 * Shapes every app's API uses, for validation and the OpenAPI document: the one error reply, a
 * nullable value, an id in the path, "no content" and a described success.
 */
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
      errors: Type.Optional(
        Type.Array(Type.Object({ field: Type.String(), message: Type.String() }), {
          description: "every problem found, the first too, when a body had more than one",
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
export const NullableInteger = (options: Record<string, unknown> = {}) =>
  Type.Unsafe<number | null>(nullable("integer", options));

export const IdParams = Type.Object({ id: Type.String() });

export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, ErrorReply]));

export const NoContent = Type.Null({ description: "Done; no content" });

/** A success response with what it is in words: the API document's reader sees this line. */
export const ok = <T extends TSchema>(schema: T, description: string): T => ({
  ...schema,
  description,
});

/** `POST /api/v1/session` in every app: a password, and the second factor's code when it has one. */
export const SignInBody = Type.Object({
  username: Type.String(),
  password: Type.String(),
  code: Type.Optional(Type.String({ description: "second-factor or recovery code" })),
});

/** A user's own longest token life, as both apps take it: `whole` names the app's longest. */
export const TokenLifeBody = (whole: string) =>
  Type.Object({
    tokenMaxDays: NullableInteger({ description: `whole days; null: ${whole}` }),
  });

/** The answer to setting it: the life set, and how many tokens in use it cut short. */
export const TokenLifeSet = Type.Object({
  tokenMaxDays: NullableInteger(),
  shortened: Type.Integer({ description: "tokens in use brought within it" }),
});
