import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { invalid } from "../platform/errors.js";
import { writeWhole } from "../platform/store/folder-file.js";
import { misAudit } from "./audit.js";
import type { MisContext, MisPrincipal } from "./context.js";

/** Sets the folder (an existing, writable folder on this machine), or clears it with "". */
export async function setExchangeFolder(
  ctx: MisContext,
  actor: MisPrincipal | null,
  folder: string,
): Promise<string | null> {
  const path = folder.trim();
  if (path !== "") {
    if (!isAbsolute(path))
      throw invalid(
        "Give the folder's full path, for example /srv/mis/ctf or D:\\MIS\\CTF.",
        "exchangeFolder",
      );
    const found = await stat(path).catch(() => undefined);
    if (!found?.isDirectory())
      throw invalid(`There is no folder ${path} on the machine this runs on.`, "exchangeFolder");
    await access(path, constants.W_OK).catch(() => {
      throw invalid(`This service may not write to ${path}.`, "exchangeFolder");
    });
  }
  const value = path === "" ? null : path;
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable("school").set({ exchange_folder: value }).execute();
    await misAudit(trx, actor, "settings.exchange-folder", "school", { folder: value });
  });
  return value;
}

export async function exchangeFolder(ctx: MisContext): Promise<string | null> {
  const row = await ctx.db.selectFrom("school").select("exchange_folder").executeTakeFirst();
  return row?.exchange_folder ?? null;
}

/** Writes an export into the folder whole, never over another file; its path. */
export async function writeToFolder(folder: string, name: string, text: string): Promise<string> {
  return join(folder, await writeWhole(folder, name, text, "refuse"));
}
