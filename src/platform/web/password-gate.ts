/**
 * An account signed in with a password someone else set or saw reaches nothing but the page to
 * choose its own (and signing out, the service's about pages and its look), in every app: a page
 * asked for takes the user there; the API says what to do.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { AppError } from "../errors.js";

export const NEW_PASSWORD_PAGE = "/account/new-password";

const OPEN = new Set([
  NEW_PASSWORD_PAGE,
  "/sign-out",
  "/accessibility",
  "/privacy",
  "/cookies",
  "/healthz",
  "/api/v1/session",
]);

/** `mustChange` reads the app's principal: whether its password is still someone else's. */
export function registerPasswordGate(
  app: FastifyInstance,
  mustChange: (request: FastifyRequest) => boolean,
): void {
  app.addHook("onRequest", async (request, reply) => {
    if (!mustChange(request)) return;
    const route = request.routeOptions.url ?? "";
    if (OPEN.has(route) || route.startsWith("/static/")) return;
    if (request.url.startsWith("/api/")) throw new AppError("auth.password-change-required");
    return reply.redirect(NEW_PASSWORD_PAGE, 303);
  });
}
