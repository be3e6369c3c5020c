/**
 * The web shell's pages: Nunjucks over the views and GOV.UK Frontend's templates and macros,
 * with its styles, fonts and scripts served from the installed package (nothing from a CDN).
 * Every page gets the signed-in principal, a form token, the app's name, navigation and help
 * desk, and a CSP nonce. Each app (the hub, the school side) passes its own ShellOptions and
 * templates.
 */
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import nunjucks from "nunjucks";
import { meaningOf } from "../../ctf/code-sets.js";
import { partyName } from "../../ctf/filename.js";
import { findingInWords } from "../../ctf/finding-words.js";
import type { FindingJson } from "../../ctf/findings.js";
import { englandDayInWords } from "../../ctf/school-days.js";
import { checkUpn } from "../../ctf/upn.js";
import { formToken } from "./csrf.js";

export interface NavItem {
  href: string;
  text: string;
}

/** What makes the shell one app's: its name, its navigation and its help desk. */
export interface ShellOptions {
  serviceName: string;
  helpdesk: { phone: string; email: string; web: string };
  /** The navigation for whoever is signed in (undefined when nobody is). */
  navigation(principal: unknown): NavItem[];
  /**
   * The app's own templates (its `pages/` and `fragments/`), searched before the shell's
   * layout, macros and error page, which the app's pages extend.
   */
  viewsDir: string;
  /** Who a signed-in principal is, in words (user, and the school or LA they act for). */
  whoIs?(principal: unknown): Promise<string>;
}

declare module "fastify" {
  interface FastifyReply {
    /** Renders a page from views/pages with the common data every page needs. */
    page(template: string, data?: Record<string, unknown>): FastifyReply;
    /** Renders a piece of a page from views/fragments, for a page's script to swap in. */
    fragment(template: string, data?: Record<string, unknown>): FastifyReply;
  }
}

const here = dirname(fileURLToPath(import.meta.url));
const shellViewsDir = join(here, "views");
const publicDir = join(here, "public");
const govukDir = join(
  dirname(createRequire(import.meta.url).resolve("govuk-frontend/package.json")),
  "dist",
);

export async function registerViews(app: FastifyInstance, shell: ShellOptions): Promise<void> {
  const env = new nunjucks.Environment(
    new nunjucks.FileSystemLoader([shell.viewsDir, shellViewsDir, govukDir]),
    {
      autoescape: true,
      throwOnUndefined: false,
    },
  );
  env.addFilter("date", (v: string | Date | null | undefined) => formatDate(v));
  env.addFilter("datetime", (v: string | Date | null | undefined) => formatDateTime(v));
  env.addFilter("inWords", (f: FindingJson) => findingInWords(f));
  // A UPN that fails its check is shown, and said to be not valid.
  env.addFilter("upn", (upn: string | null | undefined) =>
    upn ? `${upn}${checkUpn(upn).valid ? "" : " (not valid)"}` : "",
  );
  // A CTF code with what it means ("End of phase transfer - Maintained school (PM)"), or as it is.
  env.addFilter("meaning", (code: string | null | undefined, item: string) => {
    if (!code) return "";
    const meaning = meaningOf(item, code);
    return meaning === undefined ? code : `${meaning} (${code})`;
  });
  env.addFilter("party", (p: { laestab: string; name?: string | null } | null | undefined) =>
    p ? partyName(p.laestab, p.name) : "",
  );

  // Only GOV.UK Frontend's script: its stylesheet is built into ours (without GOV.UK's font),
  // and its images (the crown, the crest) are GOV.UK's, not this service's.
  await app.register(fastifyStatic, {
    root: join(govukDir, "govuk"),
    prefix: "/static/govuk/",
    allowedPath: (path) => path === "/govuk-frontend.min.js",
    maxAge: "1h",
  });
  await app.register(fastifyStatic, {
    root: publicDir,
    prefix: "/static/",
    decorateReply: false,
    maxAge: "1h",
  });

  // Who is signed in is looked up only for a page about to be rendered, not for every request
  // (a form post that redirects, a fragment polled every second): the page is sent once it is
  // known, which its handler awaits by returning the reply.
  app.decorateReply("page", function page(this: FastifyReply, template, data = {}) {
    const { principal } = this.request;
    if (!shell.whoIs || principal === undefined) return render(this, template, data, undefined);
    shell.whoIs(principal).then(
      (who) => render(this, template, data, who),
      // Without the name rather than not at all: the page may be the one saying what went wrong.
      () => render(this, template, data, undefined),
    );
    return this;
  });

  function render(
    reply: FastifyReply,
    template: string,
    data: Record<string, unknown>,
    signedInAs: string | undefined,
  ): FastifyReply {
    const request = reply.request as FastifyRequest;
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
      serviceName: shell.serviceName,
      principal: request.principal,
      signedInAs,
      // A printed page says when it was printed: a receipt, a summary kept on file.
      renderedAt: new Date(),
      csrf: formToken(request, reply),
      helpdesk: shell.helpdesk,
      cspNonce: nonce,
      nav: marked(shell.navigation(request.principal), request.url.split("?")[0] ?? "/"),
    });
    return reply
      .type("text/html; charset=utf-8")
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
  }

  app.decorateReply("fragment", function fragment(this: FastifyReply, template, data = {}) {
    const html = env.render(`fragments/${template}.njk`, data);
    return this.type("text/html; charset=utf-8").header("cache-control", "no-store").send(html);
  });
}

/** The navigation with the current section marked. */
function marked(items: NavItem[], path: string) {
  return items.map(({ href, text }) => ({
    href,
    text,
    active: href === "/" ? path === "/" : path === href || path.startsWith(`${href}/`),
  }));
}

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

export function formatDate(v: string | Date | null | undefined): string {
  const d = toDate(v);
  return d ? englandDayInWords(d) : "";
}

function formatDateTime(v: string | Date | null | undefined): string {
  const d = toDate(v);
  return d ? DAY_TIME.format(d).replace(" am", "am").replace(" pm", "pm") : "";
}
