/**
 * An account signed in with a password the operator set or was shown reaches nothing but the
 * page to choose its own (and signing out, the service's about pages and its look): a page
 * asked for takes the user there; the API says what to do.
 */
import type { FastifyInstance } from "fastify";
import { AppError } from "../../platform/errors.js";
import { signedInAs } from "./principal.js";

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

export function registerPasswordGate(app: FastifyInstance): void {
  app.addHook("onRequest", async (request, reply) => {
    if (!signedInAs(request)?.mustChangePassword) return;
    const route = request.routeOptions.url ?? "";
    if (OPEN.has(route) || route.startsWith("/static/")) return;
    if (request.url.startsWith("/api/")) throw new AppError("auth.password-change-required");
    return reply.redirect(NEW_PASSWORD_PAGE, 303);
  });
}
