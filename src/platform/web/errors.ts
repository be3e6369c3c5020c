/**
 * The one place errors become responses. The API answers `{ "error": { "code", "message" } }`;
 * pages answer with a page that says the same in plain words, and send a signed-out visitor to
 * sign in. Our own errors carry a safe message; anything unexpected is logged and answered as
 * 500 without details.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError, ERRORS, type ErrorCode, loggableError } from "../errors.js";

interface ErrorJson {
  code: string;
  message: string;
  field?: string;
  detail?: Record<string, string>;
  /** Every problem a check found, the first too, when it found more than one. */
  errors?: { field: string; message: string }[];
}

export function errorBody(code: string, message: string, err?: AppError) {
  const error: ErrorJson = { code, message };
  if (err?.field) error.field = err.field;
  if (err?.detail) error.detail = err.detail;
  // A program, like a form, can put every field right in one go.
  if (err?.field && err.also.length > 0)
    error.errors = [{ field: err.field, message }, ...err.also];
  return { error };
}

/**
 * Database errors that are the caller's doing, not ours: a unique value taken by a request
 * at the same moment (409), and text that is not of a column's type, such as an id that is not
 * an id (404: it names nothing). Everything else from the database is our fault (500).
 */
function fromDatabase(err: Error): AppError | undefined {
  const code = (err as { code?: unknown }).code;
  if (code === "23505") return new AppError("conflict");
  if (code === "22P02") return new AppError("not-found");
  return undefined;
}

const isApi = (request: FastifyRequest) => request.url.startsWith("/api/");

function answer(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  err?: AppError,
) {
  // Refused before its body was read (an upload too large, say): the client may still be
  // sending it, so this connection cannot carry another request. Closing it says so.
  if (!request.raw.complete) reply.header("connection", "close");
  if (isApi(request) || typeof reply.page !== "function")
    return reply.status(status).send(errorBody(code, message, err));
  if (code === "auth.required" && request.method === "GET") {
    const next = request.url.split("?")[0] ?? "/";
    return reply.redirect(`/sign-in?next=${encodeURIComponent(next)}`, 303);
  }
  return reply.status(status).page("error", { status, code, message });
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError | Error, request, reply) => {
    const known = err instanceof AppError ? err : fromDatabase(err);
    if (known) return answer(request, reply, known.status, known.code, known.message, known);
    const fe = err as FastifyError;
    if (fe.validation) {
      return answer(request, reply, 400, "invalid", `The request is not valid: ${fe.message}`);
    }
    if (fe.statusCode === 429) return catalogued(request, reply, "rate-limited");
    if (isDiskFull(err)) {
      request.log.error({ code: "ENOSPC" }, "the store's disk is full");
      return catalogued(request, reply, "storage.full");
    }
    if (fe.statusCode === 413 || fe.code === "FST_REQ_FILE_TOO_LARGE")
      return catalogued(request, reply, "upload.too-large");
    if (fe.code === "FST_ERR_CTP_INVALID_JSON_BODY" || err.name === "SyntaxError")
      return answer(
        request,
        reply,
        400,
        "invalid",
        "The body is not valid JSON: check its quotes, commas and brackets, or send none.",
      );
    if (fe.statusCode === 415)
      return answer(
        request,
        reply,
        415,
        "invalid",
        "This route does not take that Content-Type: send JSON (application/json), or as the API documentation says.",
      );
    if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
      return answer(request, reply, fe.statusCode, "invalid", "The request is not valid.");
    }
    // Not the message, nor the stack's first line (the message again): either may quote input.
    request.log.error({ err: loggableError(err) }, "unexpected error");
    return catalogued(request, reply, "internal");
  });
  app.setNotFoundHandler((request, reply) => catalogued(request, reply, "not-found"));
}

/** A full disk, here or as the cause of what was thrown. */
function isDiskFull(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; i++) {
    if (e.code === "ENOSPC" || e.code === "EDQUOT") return true;
    e = e.cause as typeof e;
  }
  return false;
}

function catalogued(request: FastifyRequest, reply: FastifyReply, code: ErrorCode) {
  return answer(request, reply, ERRORS[code][0], code, ERRORS[code][1]);
}
