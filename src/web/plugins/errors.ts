/**
 * The one place errors become responses. The API answers `{ "error": { "code", "message" } }`;
 * pages answer with a page that says the same in plain words, and send a signed-out visitor to
 * sign in. Our own errors carry a safe message; anything unexpected is logged and answered as
 * 500 without details.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ERRORS, type ErrorCode, HubError } from "../../hub/errors.js";

export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

const isApi = (request: FastifyRequest) => request.url.startsWith("/api/");

function answer(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
) {
  if (isApi(request) || typeof reply.page !== "function")
    return reply.status(status).send(errorBody(code, message));
  if (code === "auth.required" && request.method === "GET") {
    const next = request.url.split("?")[0] ?? "/";
    return reply.redirect(`/sign-in?next=${encodeURIComponent(next)}`, 303);
  }
  return reply.status(status).page("error", { status, code, message });
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HubError | Error, request, reply) => {
    if (err instanceof HubError) return answer(request, reply, err.status, err.code, err.message);
    const fe = err as FastifyError;
    if (fe.validation) {
      return answer(request, reply, 400, "invalid", `The request is not valid: ${fe.message}`);
    }
    if (fe.statusCode === 429) return known(request, reply, "rate-limited");
    if (fe.statusCode === 413 || fe.code === "FST_REQ_FILE_TOO_LARGE")
      return known(request, reply, "upload.too-large");
    if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
      return answer(request, reply, fe.statusCode, "invalid", "The request is not valid.");
    }
    // Only the error's name and stack go to the log: a message may quote input.
    request.log.error({ err: { name: err.name, stack: err.stack } }, "unexpected error");
    return known(request, reply, "internal");
  });
  app.setNotFoundHandler((request, reply) => known(request, reply, "not-found"));
}

function known(request: FastifyRequest, reply: FastifyReply, code: ErrorCode) {
  return answer(request, reply, ERRORS[code][0], code, ERRORS[code][1]);
}
