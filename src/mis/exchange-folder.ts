/**
 * The data exchange folder: where a school keeps the CTFs it chose not to send straight away,
 * for its own MIS or for a person to upload. A file appears there whole or not at all, and
 * never over another file.
 */
import { randomUUID } from "node:crypto";
import { constants } from "node:fs";
import { access, link, rename, stat, unlink, writeFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { invalid } from "../errors.js";
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
  await ctx.db.updateTable("school").set({ exchange_folder: value }).execute();
  await misAudit(ctx.db, actor, "settings.exchange-folder", "school", { folder: value });
  return value;
}

export async function exchangeFolder(ctx: MisContext): Promise<string | null> {
  const row = await ctx.db.selectFrom("school").select("exchange_folder").executeTakeFirst();
  return row?.exchange_folder ?? null;
}

/**
 * Writes the file under a temporary name, then links it to its own name: the link fails rather
 * than replace a file already there, and an MIS watching the folder never sees half a file.
 */
export async function writeToFolder(folder: string, name: string, text: string): Promise<string> {
  const final = join(folder, name);
  const temporary = join(folder, `.${name}.${randomUUID()}.partial`);
  await writeFile(temporary, text, { flag: "wx" });
  try {
    await link(temporary, final).catch(async (e: NodeJS.ErrnoException) => {
      // A share without hard links: look first, then rename (a narrow race, not a torn file).
      if (e.code !== "EPERM" && e.code !== "ENOTSUP" && e.code !== "ENOSYS") throw e;
      if (await stat(final).catch(() => undefined)) throw Object.assign(e, { code: "EEXIST" });
      await rename(temporary, final);
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST")
      throw new Error(`a file called ${name} is already there`);
    throw e;
  } finally {
    await unlink(temporary).catch(() => {});
  }
  return final;
}
