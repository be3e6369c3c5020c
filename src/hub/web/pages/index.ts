/**
 * The web pages. Handlers translate a form or a URL into one domain call and a page; the shell
 * checks every form post's token before any handler runs (the upload form, being multipart,
 * checks its own as its first field).
 */
import formbody from "@fastify/formbody";
import type { FastifyInstance } from "fastify";
import { registerAboutPages } from "../../../platform/web/about-pages.js";
import { registerHelpPages } from "../../../platform/web/help-pages.js";
import type { HubContext } from "../../context.js";
import { accountPages } from "./account-pages.js";
import { adminPages } from "./admin-pages.js";
import { approvalPages } from "./approval-pages.js";
import { fileSearchPages } from "./file-search-pages.js";
import { homePage } from "./home-page.js";
import { laPages } from "./la-pages.js";
import { lostPupilPages } from "./lost-pupil-pages.js";
import { noticeEmailPages } from "./notice-email-pages.js";
import { schoolPages } from "./school-pages.js";
import { sendPages } from "./send-pages.js";
import { sessionPages } from "./session-pages.js";
import { transferPages } from "./transfer-pages.js";

export async function registerPages(app: FastifyInstance, ctx: HubContext): Promise<void> {
  await app.register(async (pages) => {
    await pages.register(formbody, { bodyLimit: 64 * 1024 });
    sessionPages(pages, ctx);
    accountPages(pages, ctx);
    homePage(pages, ctx);
    sendPages(pages, ctx);
    transferPages(pages, ctx);
    fileSearchPages(pages, ctx);
    schoolPages(pages, ctx);
    lostPupilPages(pages, ctx);
    laPages(pages, ctx);
    adminPages(pages, ctx);
    noticeEmailPages(pages, ctx);
    approvalPages(pages, ctx);
    registerAboutPages(pages, { retention: ctx.config.retention });
    registerHelpPages(pages, HUB_HELP);
  });
}

/** The hub's help, a page a step of a file's journey. */
const HUB_HELP = [
  {
    slug: "sending",
    title: "Sending a pupil's file",
    summary: "Export from your MIS, send, and follow the file until the new school has it.",
  },
  {
    slug: "problems",
    title: "When a file is rejected or fails its checks",
    summary: "What each means, and how to correct the file and send it again.",
  },
  {
    slug: "receiving",
    title: "Receiving a file",
    summary: "See who is in it, accept and download it, import it, or reject it with a reason.",
  },
  {
    slug: "lost-pupils",
    title: "When a pupil's new school is not known",
    summary: "Sending to the Lost Pupils database, and how a local authority finds the child.",
  },
] as const;
