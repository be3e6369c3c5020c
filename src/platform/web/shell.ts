/**
 * The web shell every app of S2S stands on: Fastify with one line of log per request (the path
 * only: a query can carry a name), the client's address believed only from named proxies,
 * security headers, cookies, rate limiting, form tokens, errors turned into answers in one
 * place, and GOV.UK pages with the app's name, navigation and help desk. The app then adds its
 * own sign-in, API and pages.
 */
import cookie from "@fastify/cookie";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from "fastify";
import { loggableError } from "../errors.js";
import { registerForgeryGuard } from "./csrf.js";
import { registerErrorHandling } from "./errors.js";
import { registerViews, type ShellOptions } from "./views.js";

export interface ShellConfig extends ShellOptions {
  /** Pino logger options, or false for none (tests). */
  logger: boolean | object;
  /** Proxies whose X-Forwarded-For is believed; none when absent. */
  trustProxy: string[] | undefined;
  /** Signs page form tokens; every web process of one app must have the same. */
  formKey: Buffer;
  /** Served over HTTPS (the public address is https:): cookies are Secure and `__Host-`. */
  secureCookies: boolean;
}

declare module "fastify" {
  interface FastifyInstance {
    secureCookies: boolean;
  }
}

/**
 * One line per request, written when it ends, instead of Fastify's two: logging had been most of
 * what a cheap request cost.
 */
class OneLineRequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply) {
    const line = { req: request, status: reply.statusCode, ms: Math.round(reply.elapsedTime) };
    if (error) reply.log.error({ ...line, err: loggableError(error) }, "request failed");
    else reply.log.info(line, "request");
  }
}

export async function createShell(config: ShellConfig): Promise<FastifyInstance> {
  const { logger } = config;
  const app = Fastify({
    logger:
      logger === false
        ? false
        : {
            ...(typeof logger === "object" ? logger : {}),
            serializers: {
              // Whatever logs an error (Fastify itself too) writes no message of it.
              err: (err: Error) => {
                // Already made safe by the code that logged it (loggableError): as it is.
                if (!(err instanceof Error)) return err;
                const safe = loggableError(err);
                return {
                  type: safe.name,
                  message: "(not logged: it may quote input)",
                  stack: (safe.at ?? []).join("\n"),
                  ...(safe.code ? { code: safe.code } : {}),
                };
              },
              req: (req: { method: string; url: string; ip?: string }) => ({
                method: req.method,
                // A sign-in link carries its secret in the path: never write one down.
                path: req.url.split("?")[0]?.replace(/\/[A-Za-z0-9_-]{40,}/g, "/[secret]"),
                ip: req.ip,
              }),
            },
          },
    // Believing every X-Forwarded-For would let any client choose the address the audit log
    // records and the sign-in limit counts; only the proxies named in S2S_TRUST_PROXY are.
    trustProxy: config.trustProxy ?? false,
    logController: new OneLineRequestLog(),
  });
  registerErrorHandling(app);
  // An empty JSON body is no body (curl -X POST -H "Content-Type: application/json" sends
  // one to `accept`); anything else goes to Fastify's own parser, which guards against
  // prototype poisoning.
  const json = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text.trim() === "") done(null, undefined);
    else json(request, text, done);
  });
  await app.register(helmet, { contentSecurityPolicy: false });
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  app.decorateRequest("formKey", { getter: () => config.formKey });
  app.decorate("secureCookies", config.secureCookies);
  registerForgeryGuard(app);
  // Answers carry pupils, names and addresses: no browser or proxy may keep a copy. Every answer
  // without a policy of its own (the style sheets and scripts have one), not those whose raw URL
  // looks like the API's: `/%61pi/v1/...` reaches the same route by another spelling.
  app.addHook("onSend", async (_request, reply) => {
    if (!reply.hasHeader("cache-control")) reply.header("cache-control", "no-store");
  });
  await registerViews(app, config);
  return app;
}
