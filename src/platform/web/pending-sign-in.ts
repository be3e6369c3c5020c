/**
 * Between a page sign-in's password and its code, the browser holds who is half signed in: a
 * short-lived cookie naming the user and an expiry, signed so that it cannot be made or changed.
 * It grants nothing on its own: the second step still needs the code.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { cookieName } from "./csrf.js";

const PENDING = "s2s_pending";
const MINUTES = 10;

function nameOf(request: FastifyRequest): string {
  return cookieName(PENDING, request.server.secureCookies);
}

function sign(request: FastifyRequest, payload: string): string {
  return createHmac("sha256", request.formKey)
    .update("pending sign-in\0")
    .update(payload)
    .digest("base64url");
}

export function setPendingSignIn(
  request: FastifyRequest,
  reply: FastifyReply,
  userId: string,
  now: Date,
): void {
  const payload = `${userId}.${now.getTime() + MINUTES * 60_000}`;
  reply.setCookie(nameOf(request), `${payload}.${sign(request, payload)}`, {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    secure: request.server.secureCookies,
    maxAge: MINUTES * 60,
  });
}

/** The user half signed in in this browser, if the cookie is ours and not expired. */
export function pendingSignIn(request: FastifyRequest, now: Date): string | undefined {
  const value = request.cookies[nameOf(request)];
  const [userId, expires, mac] = value?.split(".") ?? [];
  if (!userId || !expires || !mac) return undefined;
  const expected = Buffer.from(sign(request, `${userId}.${expires}`));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  return Number(expires) > now.getTime() ? userId : undefined;
}

export function clearPendingSignIn(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(nameOf(request), { path: "/" });
}
