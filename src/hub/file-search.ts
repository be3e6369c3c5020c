/**
 * Finding a file in the organisation's own lists (received, sent) by a pupil in it: the page's
 * search box and, a page at a time, the API's `?q=`.
 */
import { requiredNameQuery } from "../platform/name-query.js";
import type { HubContext, Principal } from "./context.js";
import { auditNameSearch, filesNamingPupil } from "./pupil-name-filter.js";
import { fileList } from "./transfer-list.js";
import { listInbox } from "./transfer-reads.js";

/** Most files a name search lists at once: a name's start narrows a list to a handful. */
export const NAME_SEARCH_LIMIT = 100;

/**
 * The files of the organisation's inbox or sent list holding a pupil whose name starts with the
 * text typed, newest first; audited as a search by name (never the words).
 */
export async function findFilesByPupilName(
  ctx: HubContext,
  p: Principal,
  list: "inbox" | "sent",
  typed: string | undefined,
) {
  const name = requiredNameQuery(typed);
  const files =
    list === "inbox"
      ? (await filesNamingPupil(ctx, await listInbox(ctx, p), name)).reverse()
      : (
          await fileList(ctx, p, "sent", {
            order: "newest",
            page: 1,
            pageSize: NAME_SEARCH_LIMIT,
            pupilName: name,
          })
        ).files;
  await auditNameSearch(ctx, p, list, files.length);
  return { files: files.slice(0, NAME_SEARCH_LIMIT), total: files.length };
}
