/**
 * The school side's HTTP face, on the same web shell as the hub: GOV.UK pages, the JSON API under
 * /api/v1 and its OpenAPI document at /api/docs. Handlers only translate HTTP to ../../mis.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import formbody from "@fastify/formbody";
import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import { registerAboutPages } from "../../platform/web/about-pages.js";
import { registerApi } from "../../platform/web/api.js";
import { registerAuth } from "../../platform/web/auth.js";
import { registerHelpPages } from "../../platform/web/help-pages.js";
import { registerPasswordGate } from "../../platform/web/password-gate.js";
import { createShell } from "../../platform/web/shell.js";
import type { MisContext, MisPrincipal } from "../context.js";
import { getSchool } from "../school.js";
import { misPrincipalFromSession } from "../sessions.js";
import { misPrincipalFromToken } from "../tokens.js";
import { importRoutes } from "./api/imports.js";
import { leaverRoutes } from "./api/leavers.js";
import { leaversReportRoutes } from "./api/leavers-report.js";
import { pupilRoutes } from "./api/pupils.js";
import { sessionRoutes } from "./api/session.js";
import { settingsRoutes } from "./api/settings.js";
import { userRoutes } from "./api/users.js";
import { accountPages } from "./pages/account-pages.js";
import { addressAndSenPages } from "./pages/address-and-sen-pages.js";
import { associatedSchoolPages } from "./pages/associated-school-pages.js";
import { calendarPages } from "./pages/calendar-pages.js";
import { contactPages } from "./pages/contact-pages.js";
import { importPages } from "./pages/import-pages.js";
import { leaverPages } from "./pages/leaver-pages.js";
import { pupilEditPages } from "./pages/pupil-edit-pages.js";
import { registerPages } from "./pages/register-pages.js";
import { misSessionPages } from "./pages/session-pages.js";
import { userPages } from "./pages/user-pages.js";

const SERVICE_NAME = "S2S school";

export interface MisAppOptions {
  logger?: boolean | object;
  formKey: Buffer;
}

export async function buildMisApp(
  ctx: MisContext,
  options: MisAppOptions,
): Promise<FastifyInstance> {
  const app = await createShell({
    logger: options.logger ?? false,
    trustProxy: ctx.config.trustProxy,
    formKey: options.formKey,
    secureCookies: ctx.config.publicUrl.startsWith("https:"),
    serviceName: SERVICE_NAME,
    whoIs: async (principal) => {
      const school = await getSchool(ctx).catch(() => undefined);
      const who = (principal as MisPrincipal).username;
      return school ? `${who}, ${school.name} (${school.laestab})` : who;
    },
    helpdesk: ctx.config.helpdesk,
    navigation: (principal) =>
      principal
        ? [
            { href: "/", text: "Home" },
            { href: "/pupils", text: "Pupils" },
            { href: "/exports", text: "Leavers and exports" },
            { href: "/imports", text: "Import" },
            { href: "/associated-schools", text: "Associated schools" },
            { href: "/overdue", text: "Overdue" },
            ...((principal as MisPrincipal).role === "manager"
              ? [
                  { href: "/users", text: "Users" },
                  { href: "/calendar", text: "Calendar" },
                  { href: "/settings", text: "Settings" },
                ]
              : []),
            { href: "/account", text: "Your account" },
            { href: "/help", text: "Help" },
          ]
        : [],
    viewsDir: join(dirname(fileURLToPath(import.meta.url)), "views"),
  });
  registerAuth(
    app,
    { name: "s2s_mis_session", hours: ctx.config.sessionHours },
    {
      fromToken: (token, ip) => misPrincipalFromToken(ctx, token, ip),
      fromSession: (token, ip) => misPrincipalFromSession(ctx, token, ip),
      openApi: ["POST /api/v1/session", "DELETE /api/v1/session"],
    },
  );
  registerPasswordGate(
    app,
    (request) => (request.principal as MisPrincipal | undefined)?.mustChangePassword === true,
  );
  await registerApi(app, {
    serviceName: SERVICE_NAME,
    description:
      "The school's pupil register. Authenticate with `Authorization: Bearer TOKEN` " +
      "(`s2s mis tokens create --username U`) or the session cookie from POST /api/v1/session. " +
      'Errors are `{"error": {"code", "message", "field"?}}` with a stable code. Every read of ' +
      "a pupil's record is audited.",
    // An uploaded CTF to import: one file, larger than any real CTF.
    maxFileBytes: ctx.config.maxImportBytes,
    readiness: { database: () => sql`select 1`.execute(ctx.db) },
  });
  sessionRoutes(app, ctx);
  pupilRoutes(app, ctx);
  leaverRoutes(app, ctx);
  leaversReportRoutes(app, ctx);
  settingsRoutes(app, ctx);
  userRoutes(app, ctx);
  importRoutes(app, ctx);
  await app.register(async (pages) => {
    await pages.register(formbody, { bodyLimit: 64 * 1024 });
    misSessionPages(pages, ctx);
    registerPages(pages, ctx);
    pupilEditPages(pages, ctx);
    contactPages(pages, ctx);
    addressAndSenPages(pages, ctx);
    associatedSchoolPages(pages, ctx);
    leaverPages(pages, ctx);
    userPages(pages, ctx);
    accountPages(pages, ctx);
    importPages(pages, ctx);
    calendarPages(pages, ctx);
    registerAboutPages(pages, {});
    registerHelpPages(pages, SCHOOL_HELP);
  });
  return app;
}

/** The school side's help, a page a task of the school office. */
const SCHOOL_HELP = [
  {
    slug: "leavers",
    title: "Recording a leaver and sending their file",
    summary: "Leaving details, exporting, and knowing the file arrived within 15 school days.",
  },
  {
    slug: "correcting",
    title: "Correcting a mistake",
    summary: "A rejected or failed file, a wrong detail, an import to undo, a date refused.",
  },
  {
    slug: "importing",
    title: "Importing a pupil's file",
    summary: "Matching each pupil to your register, merging, adding or skipping, then checking.",
  },
] as const;
