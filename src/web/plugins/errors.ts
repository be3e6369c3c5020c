/**
 * The one place errors become responses: `{ "error": { "code", "message" } }`. Our own errors
 * carry a safe message; anything unexpected is logged and answered as 500 without details.
 */
import type { FastifyError, FastifyInstance } from "fastify";
import { ERRORS, HubError } from "../../hub/errors.js";

export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HubError | Error, request, reply) => {
    if (err instanceof HubError) {
      return reply.status(err.status).send(errorBody(err.code, err.message));
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      return reply
        .status(400)
        .send(errorBody("invalid", `The request is not valid: ${fe.message}`));
    }
    if (fe.statusCode === 429)
      return reply.status(429).send(errorBody("rate-limited", ERRORS["rate-limited"][1]));
    if (fe.statusCode === 413 || fe.code === "FST_REQ_FILE_TOO_LARGE") {
      return reply.status(413).send(errorBody("upload.too-large", ERRORS["upload.too-large"][1]));
    }
    if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.status(fe.statusCode).send(errorBody("invalid", "The request is not valid."));
    }
    // Only the error's name and stack go to the log: a message may quote input.
    request.log.error({ err: { name: err.name, stack: err.stack } }, "unexpected error");
    return reply.status(500).send(errorBody("internal", ERRORS.internal[1]));
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.status(404).send(errorBody("not-found", ERRORS["not-found"][1])),
  );
}
