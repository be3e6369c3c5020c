/**
 * A receiver's warning that a pupil in a file already came in an earlier file it downloaded: a
 * second import would create a duplicate record, or overwrite edits made since.
 */
import { sql } from "kysely";
import { forbidden } from "../platform/errors.js";
import type { HubContext, Principal } from "./context.js";
import { canReadPupils, isReceiver } from "./policies/transfers.js";
import { visible } from "./transfer-reads.js";

export interface EarlierDownload {
  position: number;
  upn: string;
  fileName: string;
  downloadedAt: string;
}

export async function earlierDownloads(
  ctx: HubContext,
  p: Principal,
  id: string,
): Promise<EarlierDownload[]> {
  const row = await visible(ctx, p, id);
  if (!isReceiver(p, row)) return [];
  if (!canReadPupils(p, row)) throw forbidden();
  const rows = await ctx.db
    .selectFrom("transfer_pupils as mine")
    .innerJoin("transfer_pupils as theirs", "theirs.upn", "mine.upn")
    .innerJoin("transfers as earlier", "earlier.id", "theirs.transfer_id")
    .select([
      "mine.position",
      "mine.upn",
      "earlier.file_name",
      sql<Date>`earlier.downloaded_at`.as("downloaded_at"),
    ])
    .where("mine.transfer_id", "=", row.id)
    .where("earlier.id", "<>", row.id)
    .where("earlier.dest_laestab", "=", row.dest_laestab)
    .where("earlier.downloaded_at", "is not", null)
    .orderBy("mine.position")
    .orderBy("earlier.downloaded_at", "desc")
    .execute();
  return rows.map((r) => ({
    position: r.position,
    upn: r.upn ?? "",
    fileName: r.file_name,
    downloadedAt: r.downloaded_at.toISOString(),
  }));
}
