/**
 * Server-rendered pages: Nunjucks over our views and GOV.UK Frontend's templates and macros,
 * with its styles, fonts and scripts served from the installed package (nothing from a CDN).
 * Every page gets the signed-in principal, a form token, the help desk and a CSP nonce.
 */
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import nunjucks from "nunjucks";
import type { HubContext, Principal } from "../../hub/context.js";
import { formToken } from "./csrf.js";

declare module "fastify" {
  interface FastifyReply {
    /** Renders a page from views/pages with the common data every page needs. */
    page(template: string, data?: Record<string, unknown>): FastifyReply;
    /** Renders a piece of a page from views/fragments, for a page's script to swap in. */
    fragment(template: string, data?: Record<string, unknown>): FastifyReply;
  }
}

const here = dirname(fileURLToPath(import.meta.url));
const viewsDir = join(here, "..", "views");
const publicDir = join(here, "..", "public");
const govukDir = join(
  dirname(createRequire(import.meta.url).resolve("govuk-frontend/package.json")),
  "dist",
);

const SERVICE_NAME = "S2S school to school";

export async function registerViews(app: FastifyInstance, ctx: HubContext): Promise<void> {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader([viewsDir, govukDir]), {
    autoescape: true,
    throwOnUndefined: false,
  });
  env.addFilter("date", (v: string | Date | null | undefined) => formatDate(v));
  env.addFilter("datetime", (v: string | Date | null | undefined) => formatDateTime(v));

  await app.register(fastifyStatic, {
    root: join(govukDir, "govuk", "assets"),
    prefix: "/assets/",
    maxAge: "1d",
  });
  await app.register(fastifyStatic, {
    root: join(govukDir, "govuk"),
    prefix: "/static/govuk/",
    decorateReply: false,
    allowedPath: (path) => /^\/govuk-frontend\.min\.(css|js)$/.test(path),
    maxAge: "1h",
  });
  await app.register(fastifyStatic, {
    root: publicDir,
    prefix: "/static/",
    decorateReply: false,
    maxAge: "1h",
  });

  app.decorateReply("page", function page(this: FastifyReply, template, data = {}) {
    const request = this.request as FastifyRequest;
    const nonce = randomBytes(16).toString("base64");
    const errors = (data.errors ?? []) as { text: string; href?: string }[];
    const fieldErrors = Object.fromEntries(
      errors
        .filter((e) => e.href?.startsWith("#"))
        .map((e) => [e.href?.slice(1), { text: e.text }]),
    );
    const html = env.render(`pages/${template}.njk`, {
      ...data,
      fieldErrors,
      serviceName: SERVICE_NAME,
      principal: request.principal,
      csrf: formToken(request, this),
      helpdesk: ctx.config.helpdesk,
      cspNonce: nonce,
      nav: navigationFor(request.principal, request.url.split("?")[0] ?? "/"),
    });
    return this.type("text/html; charset=utf-8")
      .header("cache-control", "no-store")
      .header(
        "content-security-policy",
        [
          "default-src 'self'",
          `script-src 'self' 'nonce-${nonce}'`,
          "style-src 'self'",
          "img-src 'self' data:",
          "font-src 'self'",
          "form-action 'self'",
          "frame-ancestors 'none'",
          "base-uri 'none'",
          "object-src 'none'",
        ].join("; "),
      )
      .send(html);
  });

  app.decorateReply("fragment", function fragment(this: FastifyReply, template, data = {}) {
    const html = env.render(`fragments/${template}.njk`, data);
    return this.type("text/html; charset=utf-8").header("cache-control", "no-store").send(html);
  });
}

/** The service navigation: what this principal's role can do, with the current section marked. */
function navigationFor(p: Principal | undefined, path: string) {
  if (!p) return [];
  const items: [string, string][] = [["/", "Home"]];
  if (p.role !== "admin")
    items.push(["/send", "Send files"], ["/received", "Received files"], ["/sent", "Sent files"]);
  if (p.role === "school") items.push(["/school", "School details"]);
  if (p.role === "la") items.push(["/lost-pupils", "Lost pupils"]);
  if (p.role === "admin")
    items.push(
      ["/admin/establishments", "Establishments"],
      ["/admin/users", "Users"],
      ["/admin/audit", "Audit log"],
      ["/admin/outbox", "Mail"],
    );
  items.push(["/account", "Your account"]);
  return items.map(([href, text]) => ({
    href,
    text,
    active: href === "/" ? path === "/" : path === href || path.startsWith(`${href}/`),
  }));
}

const DAY = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "long",
  year: "numeric",
  timeZone: "Europe/London",
});
const DAY_TIME = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "long",
  year: "numeric",
  hour: "numeric",
  minute: "2-digit",
  hour12: true,
  timeZone: "Europe/London",
});

function toDate(v: string | Date | null | undefined): Date | undefined {
  if (v === null || v === undefined || v === "") return undefined;
  const d = v instanceof Date ? v : new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T12:00:00Z` : v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function formatDate(v: string | Date | null | undefined): string {
  const d = toDate(v);
  return d ? DAY.format(d) : "";
}

function formatDateTime(v: string | Date | null | undefined): string {
  const d = toDate(v);
  return d ? DAY_TIME.format(d).replace(" am", "am").replace(" pm", "pm") : "";
}
