/**
 * The pages every app's footer links to, open to anyone signed in or not: its accessibility
 * statement, privacy notice and cookies. Each app writes its own (`pages/about-*.njk`), since
 * what the hub holds and what a school side holds differ.
 */
import type { FastifyInstance } from "fastify";
import { formCookieName } from "./csrf.js";

const PAGES = [
  ["accessibility", "Accessibility statement"],
  ["privacy", "Privacy notice"],
  ["cookies", "Cookies"],
] as const;

export function registerAboutPages(app: FastifyInstance, facts: Record<string, unknown>): void {
  for (const [path, title] of PAGES)
    app.get(`/${path}`, { schema: { hide: true } }, async (request, reply) =>
      reply.page(`about-${path}`, {
        title,
        sessionCookie: request.server.sessionCookie.name,
        sessionHours: request.server.sessionCookie.hours,
        formCookie: formCookieName(request),
        ...facts,
      }),
    );
}
