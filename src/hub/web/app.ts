/**
 * The hub's HTTP face: the JSON API under /api/v1 and its OpenAPI document at /api/docs. Route
 * handlers only translate HTTP to the domain functions in ../hub and back.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import { observeHttp } from "../../platform/metrics/registry.js";
import { registerApi } from "../../platform/web/api.js";
import { registerAuth } from "../../platform/web/auth.js";
import { registerPasswordGate } from "../../platform/web/password-gate.js";
import { createShell } from "../../platform/web/shell.js";
import type { HubContext } from "../context.js";
import { signedInAs } from "../organisation-names.js";
import type { Principal } from "../principal.js";
import { principalFromSession } from "../sessions.js";
import { principalFromToken } from "../tokens.js";
import { adminRoutes, directoryRoutes } from "./api/admin.js";
import { approvalRoutes } from "./api/approvals.js";
import { lostPupilRoutes } from "./api/lost-pupils.js";
import { sessionRoutes } from "./api/session.js";
import { tokenRoutes } from "./api/tokens.js";
import { transferRoutes } from "./api/transfers.js";
import { registerIdempotency } from "./idempotency.js";
import { registerPages } from "./pages/index.js";
import { hubNavigation } from "./pages/navigation.js";

const SERVICE_NAME = "S2S school to school";

type OpenApiDocument = {
  paths?: Record<string, Record<string, { requestBody?: unknown }>>;
};

const UPLOAD_BODY = {
  required: true,
  content: {
    "multipart/form-data": {
      schema: {
        type: "object",
        required: ["file"],
        properties: {
          file: {
            type: "string",
            format: "binary",
            description: "the CTF, named SSSSSSS_CTF_DDDDDDD_NNN.XML",
          },
        },
      },
    },
    "application/xml": {
      schema: { type: "string", description: "the CTF's XML; name it with ?filename=" },
    },
  },
};

export interface AppOptions {
  /** Pino logger options, or false for none (tests). */
  logger?: boolean | object;
  /** Signs page form tokens; every web process of one hub must have the same. */
  formKey: Buffer;
}

export async function buildApp(ctx: HubContext, options: AppOptions): Promise<FastifyInstance> {
  const app = await createShell({
    logger: options.logger ?? false,
    trustProxy: ctx.config.trustProxy,
    formKey: options.formKey,
    secureCookies: ctx.config.publicUrl.startsWith("https:"),
    serviceName: SERVICE_NAME,
    helpdesk: ctx.config.helpdesk,
    navigation: hubNavigation,
    whoIs: (principal) => signedInAs(ctx.db, principal as Principal),
    viewsDir: join(dirname(fileURLToPath(import.meta.url)), "views"),
  });
  if (ctx.metrics) observeHttp(app, ctx.metrics);
  registerAuth(
    app,
    {
      name: "s2s_session",
      hours: ctx.config.sessionHours,
    },
    {
      fromToken: (token, ip) => principalFromToken(ctx, token, ip),
      fromSession: (token, ip) => principalFromSession(ctx, token, ip),
      // Signing in, and signing out with a session that has already ended.
      openApi: ["POST /api/v1/session", "DELETE /api/v1/session"],
    },
  );
  registerPasswordGate(
    app,
    (request) => (request.principal as Principal | undefined)?.mustChangePassword === true,
  );
  await registerApi(app, {
    serviceName: SERVICE_NAME,
    description:
      "Send and receive Common Transfer Files. Authenticate with `Authorization: Bearer TOKEN` " +
      "(tokens each user makes on their account page) or the session cookie from POST /api/v1/session (a " +
      "request riding the cookie must carry this site's `Origin`, as browsers do). " +
      "POST and DELETE take an `Idempotency-Key` header: a retry with the same key gets the " +
      "first answer again (replays carry `Idempotent-Replayed: true`); the key on another " +
      "request, an upload of another file too, answers 422 `idempotency.mismatch`. Errors are " +
      '`{"error": {"code", "message", "field"?, "detail"?}}` with a stable code.',
    // One byte over the limit reaches the upload, which then says the file is too large.
    maxFileBytes: ctx.config.maxUploadBytes + 1,
    // The upload's body is read as a stream, not validated as a schema: describe it here.
    transformDocument: (doc) => {
      const upload = (doc as OpenApiDocument).paths?.["/api/v1/transfers"]?.post;
      if (upload) upload.requestBody = UPLOAD_BODY;
      return doc;
    },
    // For a load balancer: this process can serve only if its database and its store answer.
    readiness: {
      database: () => sql`select 1`.execute(ctx.db),
      store: () => ctx.store.ready(),
    },
  });
  app.addContentTypeParser(
    "text/csv",
    { parseAs: "buffer", bodyLimit: 200 * 1024 * 1024 },
    (_req, body, done) => done(null, body),
  );
  registerIdempotency(app, ctx);
  await registerPages(app, ctx);
  sessionRoutes(app, ctx);
  tokenRoutes(app, ctx);
  transferRoutes(app, ctx);
  directoryRoutes(app, ctx);
  lostPupilRoutes(app, ctx);
  adminRoutes(app, ctx);
  approvalRoutes(app, ctx);
  return app;
}
