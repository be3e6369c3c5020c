/**
 * Where each leaver's file stands, in the words an office needs: not sent by us, on its way,
 * waiting for the new school to collect it, arrived, or not arrived (rejected, removed, expired,
 * failed its check, refused) and why. A leaver whose latest file did not arrive is exported
 * again, after their leaving details are corrected; the pages say what to do for each.
 */
import type { MisContext } from "./context.js";

export type FileState =
  | { kind: "not-sent"; text: string }
  | { kind: "on-its-way"; text: string }
  | { kind: "not-collected"; text: string }
  | { kind: "arrived"; text: string }
  | { kind: "not-arrived"; text: string; why: string };

const ARRIVED: Record<string, string> = {
  downloaded: "Collected by the new school.",
  lost: "In the Lost Pupils database, for the local authorities.",
  outside: "In the out of sector register, for the local authorities.",
};

interface ExportRow {
  status: string;
  hub_status: string | null;
  hub_detail: unknown;
  last_error: string | null;
}

/** What one export's state means for the pupils in it. */
export function fileStateOf(e: ExportRow | undefined): FileState {
  if (!e)
    return {
      kind: "not-sent",
      text: "You have not exported it: export it from Leavers and exports.",
    };
  const detail = (e.hub_detail ?? {}) as { rejectReason?: string; errors?: string[] };
  if (e.status === "refused")
    return {
      kind: "not-arrived",
      why: e.last_error ?? "The hub refused it.",
      text: "The hub refused it: correct the leaving details and send again.",
    };
  if (e.status === "saved" || e.status === "waiting")
    return {
      kind: "not-sent",
      text:
        e.status === "saved"
          ? "You have not sent it: it was kept here. Send it from Leavers and exports."
          : "Waiting to go to the hub: it goes when the hub answers.",
    };
  const hub = e.hub_status ?? "checking";
  if (ARRIVED[hub]) return { kind: "arrived", text: ARRIVED[hub] as string };
  if (hub === "available")
    return {
      kind: "not-collected",
      text: "Sent; the new school has not collected it yet. Ask them to, or check it went to the right school.",
    };
  if (hub === "checking") return { kind: "on-its-way", text: "Sent; the hub is checking it." };
  const why =
    hub === "rejected"
      ? `The new school rejected it${detail.rejectReason ? `: “${detail.rejectReason}”` : "."}`
      : hub === "failed"
        ? `It failed the hub's check${detail.errors?.length ? `: ${detail.errors.slice(0, 2).join("; ")}` : "."}`
        : hub === "expired"
          ? "It expired on the hub before it was collected."
          : hub === "removed"
            ? "It was removed from the hub before it was collected."
            : `The hub says: ${hub}.`;
  return { kind: "not-arrived", why, text: `${why} Correct the leaving details and send again.` };
}

/**
 * One export's state in the reader's words, naming where it went: "Waiting for Meadow Lane
 * Primary School (9382001) to collect it", not "available".
 */
export function exportStatusText(e: ExportRow, to: string): string {
  if (e.status === "saved") return "Kept here, not sent";
  if (e.status === "waiting") return "Waiting to go to the hub";
  if (e.status === "refused") return "Refused by the hub";
  const detail = (e.hub_detail ?? {}) as { rejectReason?: string };
  const words: Record<string, string> = {
    checking: "Sent; the hub is checking it",
    available: `Waiting for ${to} to collect it`,
    downloaded: `Collected by ${to}`,
    lost: "Sent to the Lost Pupils database",
    outside: "Sent to the out of sector register",
    rejected: `Rejected by ${to}${detail.rejectReason ? `: “${detail.rejectReason}”` : ""}`,
    failed: "Failed the hub's checks, so not delivered",
    removed: "Removed from the hub before it was collected",
    expired: "Expired on the hub: never collected",
  };
  const hub = e.hub_status ?? "checking";
  return words[hub] ?? `The hub says: ${hub}`;
}

/**
 * Each leaver's latest file's state, by pupil id (none: never exported); only `pupils`' files
 * are read when given (one pupil's page need not read every export).
 */
export async function leaverFileStates(
  ctx: MisContext,
  pupils?: string[],
): Promise<Map<string, FileState>> {
  let query = ctx.db
    .selectFrom("exports")
    .select(["pupil_ids", "status", "hub_status", "hub_detail", "last_error", "created_at"])
    .orderBy("created_at", "asc");
  if (pupils)
    query = query.where(({ eb, or, val }) =>
      or(pupils.map((id) => eb(val(id), "=", eb.fn.any("pupil_ids")))),
    );
  const rows = await query.execute();
  const latest = new Map<string, ExportRow>();
  for (const r of rows) for (const id of r.pupil_ids) latest.set(id, r);
  return new Map([...latest].map(([id, e]) => [id, fileStateOf(e)]));
}
