/**
 * How a transfer is shown: its row with the schools' names, and the view the API and pages give.
 * Imports nothing that holds state, so the caches can hold views without a cycle.
 */
import type { Selectable } from "kysely";
import type { Db, StoredFinding, TransfersTable } from "./schema.js";

export type TransferRow = Selectable<TransfersTable>;
export type NamedRow = TransferRow & { source_name: string | null; dest_name: string | null };

/** Transfers with their schools' names, joined so that a list of 50 costs one query. */
export function withNames(db: Db) {
  return db
    .selectFrom("transfers")
    .leftJoin("establishments as src", "src.laestab", "transfers.source_laestab")
    .leftJoin("establishments as dst", "dst.laestab", "transfers.dest_laestab")
    .selectAll("transfers")
    .select(["src.name as source_name", "dst.name as dest_name"]);
}

export function viewWith(row: NamedRow, mayReadPupils: boolean) {
  // Findings can quote pupil data; those who may not read pupils see codes and places only.
  const redact = (fs: StoredFinding[]) =>
    mayReadPupils ? fs : fs.map((f) => ({ ...f, message: "", pupil: null }));
  return {
    id: row.id,
    fileName: row.file_name,
    status: row.status,
    source: { laestab: row.source_laestab, name: row.source_name },
    destination: { laestab: row.dest_laestab, name: row.dest_name, kind: row.dest_kind },
    sequence: row.sequence,
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
    ctfVersion: row.ctf_version,
    pupilCount: row.pupil_count,
    createdAt: row.created_at.toISOString(),
    checkedAt: row.checked_at?.toISOString() ?? null,
    downloadedAt: row.downloaded_at?.toISOString() ?? null,
    rejectedAt: row.rejected_at?.toISOString() ?? null,
    rejectReason: row.reject_reason,
    removedAt: row.removed_at?.toISOString() ?? null,
    expiresAt: row.expires_at?.toISOString() ?? null,
    errors: redact(row.errors),
    warnings: redact(row.warnings),
  };
}

export type TransferView = ReturnType<typeof viewWith>;

/** An inbox row with its view for a receiver, made once and shared while the inbox is cached. */
export interface InboxEntry {
  row: NamedRow;
  view: TransferView;
}
