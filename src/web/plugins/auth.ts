/**
 * Works out who is calling, from an API token (`Authorization: Bearer ...`) or the web session
 * cookie, on every request. Routes then ask `principalOf(request)` and get one or a 401.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from "fastify";
import "@fastify/rate-limit";
import "@fastify/cookie";
import { AppError } from "../../errors.js";
import type { HubContext, Principal } from "../../hub/context.js";
import { principalFromSession } from "../../hub/sessions.js";
import { principalFromToken } from "../../hub/tokens.js";

export const SESSION_COOKIE = "s2s_session";

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}

export function registerAuth(app: FastifyInstance, ctx: HubContext): void {
  app.decorateRequest("principal", undefined);
  app.addHook("onRequest", async (request) => {
    const header = request.headers.authorization;
    if (header?.startsWith("Bearer ")) {
      request.principal = await principalFromToken(ctx, header.slice(7).trim(), request.ip);
      // A wrong token is an error, not an anonymous request: scripts should hear about it.
      if (!request.principal) throw new AppError("auth.required", "The API token is not valid.");
      return;
    }
    const cookie = request.cookies[SESSION_COOKIE];
    if (cookie) request.principal = await principalFromSession(ctx, cookie, request.ip);
  });
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError("auth.required");
  return request.principal;
}

export function adminOf(request: FastifyRequest): Principal {
  const p = principalOf(request);
  if (p.role !== "admin") throw new AppError("forbidden");
  return p;
}

/**
 * The session cookie: HttpOnly so no script can read it; Lax so that a link in an e-mail opens
 * the page signed in, while forms are guarded by their tokens (plugins/csrf.ts).
 */
export function setSessionCookie(reply: FastifyReply, ctx: HubContext, token: string): void {
  reply.setCookie(SESSION_COOKIE, token, {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    secure: ctx.config.publicUrl.startsWith("https:"),
    maxAge: ctx.config.sessionHours * 3600,
  });
}

declare module "fastify" {
  interface FastifyInstance {
    /** The one sign-in rate limit, shared by the API's and the page's sign-in routes. */
    signInLimit: onRequestHookHandler;
  }
}

/**
 * Sign-in attempts allowed from one address a minute, across the API and the page (one limiter,
 * so one count). Generous, because a whole LA's schools can reach us from one address through
 * their broadband consortium; each account is locked after 5 wrong passwords anyway.
 */
export function registerSignInLimit(app: FastifyInstance): void {
  app.decorate("signInLimit", app.rateLimit({ max: 60, timeWindow: "1 minute" }));
}
