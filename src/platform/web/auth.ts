/**
 * Who is calling, from an API token (`Authorization: Bearer ...`) or the app's session cookie, on
 * every request. The shell does the plumbing; the app says what a token or a session names (its
 * own principal type, which the shell never looks inside) and reads it back through its own
 * typed accessor.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from "fastify";
import "@fastify/rate-limit";
import "@fastify/cookie";
import { AppError } from "../errors.js";
import { cookieName } from "./csrf.js";

export interface Credentials<P> {
  /** Whom an API token names; undefined for a token that is not valid. */
  fromToken(token: string, ip: string): Promise<P | undefined>;
  /** Whom a session cookie names; undefined for one that has ended. */
  fromSession(token: string, ip: string): Promise<P | undefined>;
  /** API routes a caller may use signed out ("METHOD /api/v1/..."): every other asks first. */
  openApi?: readonly string[];
}

export interface SessionCookie {
  /** Each app its own, so that two apps on one host never read each other's sessions. */
  name: string;
  hours: number;
}

declare module "fastify" {
  interface FastifyRequest {
    /** The app's principal, or undefined for nobody; read it through the app's accessor. */
    principal: unknown;
    /** The principal came with an API token, not a signed-in browser's session. */
    viaToken: boolean;
  }
  interface FastifyInstance {
    sessionCookie: SessionCookie;
    /** The one sign-in rate limit, shared by the API's and the page's sign-in routes. */
    signInLimit: onRequestHookHandler;
  }
}

export function registerAuth<P>(
  app: FastifyInstance,
  cookie: SessionCookie,
  credentials: Credentials<P>,
): void {
  // Over HTTPS the cookie is `__Host-` prefixed: only this host, over HTTPS, may set it.
  const name = cookieName(cookie.name, app.secureCookies);
  app.decorate("sessionCookie", { ...cookie, name });
  app.decorateRequest("principal", undefined);
  app.decorateRequest("viaToken", false);
  const open = new Set(credentials.openApi ?? []);
  app.addHook("onRequest", async (request) => {
    const header = request.headers.authorization;
    // A token is for the API. On a page (the account page, say) it would act as a signed-in
    // person, and a stolen token could make tokens of its own that never expire: there it is no
    // credential at all, so the page is as a signed-out visitor sees it. The route as matched
    // decides, not the URL as spelt.
    const onPage = !(request.routeOptions.url ?? request.url).startsWith("/api/");
    if (header?.startsWith("Bearer ") && !onPage) {
      request.viaToken = true;
      request.principal = await credentials.fromToken(header.slice(7).trim(), request.ip);
      // A wrong token is an error, not an anonymous request: scripts should hear about it.
      if (request.principal === undefined)
        throw new AppError("auth.required", "The API token is not valid.");
      return;
    }
    const session = request.cookies[name];
    if (session) request.principal = await credentials.fromSession(session, request.ip);
    // Asked before the body is read or checked: a caller who is not signed in sends no upload
    // and learns nothing of what a route accepts.
    if (
      request.principal === undefined &&
      request.url.startsWith("/api/v1/") &&
      !open.has(`${request.method} ${request.routeOptions.url}`)
    )
      throw new AppError("auth.required");
  });
  registerSignInLimit(app);
}

/** The session token this request came with, if any. */
export function sessionTokenOf(request: FastifyRequest): string | undefined {
  return request.cookies[request.server.sessionCookie.name];
}

/**
 * The session cookie: HttpOnly so no script can read it; Lax so that a link in an e-mail opens
 * the page signed in, while forms are guarded by their tokens (csrf.ts).
 */
export function setSessionCookie(reply: FastifyReply, token: string): void {
  const cookie = reply.server.sessionCookie;
  reply.setCookie(cookie.name, token, {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    secure: reply.server.secureCookies,
    maxAge: cookie.hours * 3600,
  });
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(reply.server.sessionCookie.name, { path: "/" });
}

/**
 * Sign-in attempts allowed from one address a minute, across the API and the page (one limiter,
 * so one count). Generous, because a whole LA's schools can reach us from one address through
 * their broadband consortium; each account is locked after 5 wrong passwords anyway.
 */
function registerSignInLimit(app: FastifyInstance): void {
  app.decorate("signInLimit", app.rateLimit({ max: 60, timeWindow: "1 minute" }));
}
