/**
 * What makes an app's shell also an API, the same for every app: uploads (multipart, one file),
 * the OpenAPI document at /api/docs (only /api/ routes in it, their errors one shape), and the
 * health checks a load balancer asks: /healthz while the process is up, /readyz while what it
 * depends on answers.
 */
import multipart from "@fastify/multipart";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import { ErrorReply, errors } from "./schemas.js";

export interface ApiOptions {
  serviceName: string;
  /** The OpenAPI document's description: how to authenticate, what errors look like. */
  description: string;
  /** The largest file an upload may carry. */
  maxFileBytes: number;
  /** Changes to the generated document (a streamed body described by hand, say). */
  transformDocument?: (doc: Record<string, unknown>) => Record<string, unknown>;
  /** What must answer for this process to serve, by name: each gets two seconds. */
  readiness: Record<string, () => Promise<unknown>>;
}

export async function registerApi(app: FastifyInstance, options: ApiOptions): Promise<void> {
  await app.register(multipart, { limits: { fileSize: options.maxFileBytes, files: 1 } });
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: `${options.serviceName} API`,
        version: "1",
        description: options.description,
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
    ...(options.transformDocument
      ? {
          transformObject: (documents: unknown) =>
            (options.transformDocument as NonNullable<ApiOptions["transformDocument"]>)(
              (documents as { openapiObject: Record<string, unknown> }).openapiObject,
            ) as never,
        }
      : {}),
  });
  await app.register(swaggerUi, {
    routePrefix: "/api/docs",
    theme: { title: `${options.serviceName} API` },
  });
  // Pages, static files and health checks are not the API: keep them out of its document. Every
  // API operation can answer signed out (401), refused or needing a new password first (403),
  // and too many (429): the document says so for each, beside the answers a route lists itself.
  app.addHook("onRoute", (route) => {
    if (!route.url.startsWith("/api/")) route.schema = { ...route.schema, hide: true };
    else if (!route.url.startsWith("/api/docs"))
      route.schema = {
        ...route.schema,
        response: { ...errors(401, 403, 429), ...(route.schema?.response as object | undefined) },
      };
  });
  app.addSchema(ErrorReply);
  app.get("/healthz", { schema: { hide: true } }, async () => ({ ok: true }));
  app.get("/readyz", { schema: { hide: true } }, async (_request, reply) => {
    const names = Object.keys(options.readiness);
    const checks = await Promise.allSettled(
      names.map((name) => withTimeout((options.readiness[name] as () => Promise<unknown>)(), 2000)),
    );
    const states = Object.fromEntries(
      names.map((name, i) => [name, checks[i]?.status === "fulfilled" ? "ok" : "unreachable"]),
    );
    const ready = Object.values(states).every((s) => s === "ok");
    return reply.status(ready ? 200 : 503).send({ ready, ...states });
  });
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
