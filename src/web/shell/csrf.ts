/**
 * Form tokens against cross-site request forgery. Each browser gets a random HttpOnly cookie; a
 * form's token is an HMAC of it under a key derived from the master key, so that a token cannot
 * be made without the server and a cookie planted by another site is useless without its token.
 * Every page POST must carry `_csrf`; the upload page (multipart) checks it in its handler.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../../errors.js";

export const FORM_COOKIE = "s2s_form";

declare module "fastify" {
  interface FastifyRequest {
    formKey: Buffer;
  }
}

function cookieOf(request: FastifyRequest, reply: FastifyReply): string {
  const existing = request.cookies[FORM_COOKIE];
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const fresh = randomBytes(32).toString("base64url");
  reply.setCookie(FORM_COOKIE, fresh, {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    secure: request.protocol === "https",
  });
  // Later calls in the same request see the same value.
  request.cookies[FORM_COOKIE] = fresh;
  return fresh;
}

function tokenFor(key: Buffer, cookie: string): string {
  return createHmac("sha256", key).update(cookie).digest("base64url");
}

/** The token for this browser's forms (setting its cookie on first use). */
export function formToken(request: FastifyRequest, reply: FastifyReply): string {
  return tokenFor(request.formKey, cookieOf(request, reply));
}

/** Refuses a form post whose token does not match this browser's cookie. */
export function checkFormToken(request: FastifyRequest, token: unknown): void {
  const cookie = request.cookies[FORM_COOKIE];
  const expected = cookie ? Buffer.from(tokenFor(request.formKey, cookie)) : undefined;
  const given = Buffer.from(typeof token === "string" ? token : "");
  if (!expected || expected.length !== given.length || !timingSafeEqual(expected, given))
    throw new AppError("form.expired");
}
