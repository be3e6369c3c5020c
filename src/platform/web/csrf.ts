/**
 * Against cross-site request forgery, for every unsafe request (anything but GET, HEAD,
 * OPTIONS), whatever its content type:
 * - an API request with a bearer token carries no ambient credential, so it needs nothing more;
 * - an API request with the session cookie must come from a page of this site: its `Origin` must
 *   name this host (browsers send it on every such request; a hostile page cannot choose it);
 * - a page form must carry `_csrf`, an HMAC of this browser's random form cookie and its session
 *   cookie under a server key. A token from another browser or session, or a form cookie planted
 *   by another site, is useless. Multipart forms are refused unless the route reads its own
 *   token as the form's first field (`config: { formTokenInBody: true }`: the send page).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../errors.js";

const FORM_COOKIE = "s2s_form";
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

declare module "fastify" {
  interface FastifyRequest {
    formKey: Buffer;
  }
  interface FastifyContextConfig {
    /** The route is multipart and checks the form token itself, as its first field. */
    formTokenInBody?: boolean;
  }
}

/** A cookie's name as this site sends it: `__Host-` over HTTPS, so no subdomain can set it. */
export function cookieName(base: string, secure: boolean): string {
  return secure ? `__Host-${base}` : base;
}

export function formCookieName(request: FastifyRequest): string {
  return cookieName(FORM_COOKIE, request.server.secureCookies);
}

function cookieOf(request: FastifyRequest, reply: FastifyReply): string {
  const name = formCookieName(request);
  const existing = request.cookies[name];
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const fresh = randomBytes(32).toString("base64url");
  reply.setCookie(name, fresh, {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    secure: request.server.secureCookies,
  });
  // Later calls in the same request see the same value.
  request.cookies[name] = fresh;
  return fresh;
}

function tokenFor(request: FastifyRequest, formCookie: string): string {
  const session = request.cookies[request.server.sessionCookie?.name ?? ""] ?? "";
  return createHmac("sha256", request.formKey)
    .update(formCookie)
    .update("\0")
    .update(session)
    .digest("base64url");
}

/** The token for this browser's forms (setting its cookie on first use). */
export function formToken(request: FastifyRequest, reply: FastifyReply): string {
  return tokenFor(request, cookieOf(request, reply));
}

/** Refuses a form post whose token does not match this browser's cookies. */
export function checkFormToken(request: FastifyRequest, token: unknown): void {
  const cookie = request.cookies[formCookieName(request)];
  const expected = cookie ? Buffer.from(tokenFor(request, cookie)) : undefined;
  const given = Buffer.from(typeof token === "string" ? token : "");
  if (!expected || expected.length !== given.length || !timingSafeEqual(expected, given))
    throw new AppError("form.expired");
}

/** Whether the browser that sent this says it was sent by a page of this site. */
function fromThisSite(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (!origin) return false;
  try {
    return new URL(origin).host === request.host;
  } catch {
    return false;
  }
}

export function registerForgeryGuard(app: FastifyInstance): void {
  // The API's check needs no body, so it runs before one is read.
  app.addHook("onRequest", async (request) => {
    if (SAFE.has(request.method) || !request.url.startsWith("/api/")) return;
    if (request.headers.authorization?.startsWith("Bearer ")) return;
    // Without the session cookie the request carries no credential a forger could borrow.
    const session = request.server.sessionCookie?.name;
    if (session && request.cookies[session] !== undefined && !fromThisSite(request))
      throw new AppError("form.expired");
  });
  app.addHook("preHandler", async (request) => {
    if (SAFE.has(request.method) || request.url.startsWith("/api/")) return;
    if (/^multipart\//i.test(request.headers["content-type"] ?? "")) {
      if (request.routeOptions.config.formTokenInBody === true) return;
      throw new AppError("form.expired");
    }
    checkFormToken(request, (request.body as Record<string, unknown> | undefined)?._csrf);
  });
}
