/** Whether a user is e-mailed when a file they sent is downloaded: on unless turned off. */
import { forbidden } from "../platform/errors.js";
import { audit } from "./audit.js";
import type { HubContext, Principal } from "./context.js";

export async function setDownloadNotices(ctx: HubContext, p: Principal, on: boolean) {
  if (p.role === "admin") throw forbidden("Administrators send no files.");
  await ctx.db
    .updateTable("users")
    .set({ notify_downloaded: on })
    .where("id", "=", p.userId)
    .execute();
  await audit(ctx.db, p, { action: "notices.downloaded", detail: { on } });
}

export async function downloadNoticesOn(ctx: HubContext, p: Principal): Promise<boolean> {
  const row = await ctx.db
    .selectFrom("users")
    .select("notify_downloaded")
    .where("id", "=", p.userId)
    .executeTakeFirst();
  return row?.notify_downloaded ?? true;
}
