/**
 * Who may do what to a transfer. Small pure functions, one question each, so that every route
 * asks the same question the same way and tests can ask it role by role.
 */
import type { Principal } from "../principal.js";

export interface TransferFacts {
  source_laestab: string;
  dest_laestab: string;
  dest_kind: "school" | "la" | "lost" | "outside";
  status: string;
  sender_user_id: string;
  /** When it passed or failed its checks; with `errors`, whether it ever reached its receiver. */
  checked_at?: Date | null;
  errors?: readonly unknown[];
}

const laOf = (laestab: string) => laestab.slice(0, 3);

/** An LA's own number as a sender or destination: NNNLLLL. */
const ownLa = (p: Principal) => `${p.laCode}LLLL`;

/** The number this principal's organisation sends its own files as (none: an administrator). */
export function ownSource(p: Principal): string | undefined {
  if (p.role === "school") return p.establishment ?? undefined;
  if (p.role === "la") return ownLa(p);
  return undefined;
}

/** The file was sent by this principal's organisation (an LA: by the LA itself). */
export function isSender(p: Principal, t: TransferFacts): boolean {
  if (p.role === "school") return p.establishment === t.source_laestab;
  if (p.role === "la") return t.source_laestab === ownLa(p);
  return false;
}

/** A file in the Lost Pupils database or the out-of-sector register. */
export const inRegister = (t: Pick<TransferFacts, "dest_kind">) =>
  t.dest_kind === "lost" || t.dest_kind === "outside";

/**
 * The file is this principal's to act on: addressed to their school, or for an LA, addressed to
 * the LA itself or, in a register, sent by one of its schools. A register file is its sending
 * school's LA's to take: another LA may look for a child in it and pass it on to a school in its
 * own area, but never accept or remove it, which would take the child off every LA's search.
 */
export function isReceiver(p: Principal, t: TransferFacts): boolean {
  if (p.role === "school") return t.dest_kind === "school" && p.establishment === t.dest_laestab;
  if (p.role === "la") {
    if (inRegister(t)) return laOf(t.source_laestab) === p.laCode;
    return t.dest_laestab === ownLa(p);
  }
  return false;
}

/** A register file still waiting there: not yet passed on, removed or expired. */
const waitsInRegister = (t: TransferFacts) =>
  inRegister(t) && (t.status === "lost" || t.status === "outside");

/** Any LA searches the registers: it sees a file while the file waits there. */
export function servesRegister(p: Principal, t: TransferFacts): boolean {
  return p.role === "la" && waitsInRegister(t);
}

/**
 * An LA oversees its schools' traffic, to and from them: it may look (every look audited) but
 * the schools act. Local authorities oversee; schools act.
 */
const overseesSender = (p: Principal, t: TransferFacts) =>
  p.role === "la" && laOf(t.source_laestab) === p.laCode;
const overseesReceiver = (p: Principal, t: TransferFacts) =>
  p.role === "la" && t.dest_kind === "school" && laOf(t.dest_laestab) === p.laCode;

export function oversees(p: Principal, t: TransferFacts): boolean {
  return overseesSender(p, t) || overseesReceiver(p, t);
}

/** Receivers see a file only once it has passed its checks. */
export const RECEIVABLE_STATUSES = [
  "available",
  "lost",
  "outside",
  "downloaded",
  "rejected",
  "expired",
] as const;
const RECEIVABLE = new Set<string>(RECEIVABLE_STATUSES);

/**
 * A file removed after it reached its receiver: the link in the e-mail that told them of it
 * still answers, saying it was removed, rather than "not found".
 */
const removedAfterDelivery = (t: TransferFacts) =>
  t.status === "removed" && t.checked_at != null && t.errors?.length === 0;

export function canSeeTransfer(p: Principal, t: TransferFacts): boolean {
  if (p.role === "admin") return true;
  if (isSender(p, t) || overseesSender(p, t)) return true;
  if (servesRegister(p, t)) return true;
  return (
    (isReceiver(p, t) || overseesReceiver(p, t)) &&
    (RECEIVABLE.has(t.status) || removedAfterDelivery(t))
  );
}

/**
 * Pupil data: the sender (their own file), the receiver once it has passed its checks, and the
 * overseeing LA likewise; never an administrator.
 */
export function canReadPupils(p: Principal, t: TransferFacts): boolean {
  if (p.role === "admin") return false;
  if (isSender(p, t) || servesRegister(p, t)) return true;
  return (isReceiver(p, t) || oversees(p, t)) && RECEIVABLE.has(t.status) && t.status !== "expired";
}

export function canAccept(p: Principal, t: TransferFacts): boolean {
  return isReceiver(p, t) && ["available", "lost", "outside", "downloaded"].includes(t.status);
}

/** Accepting a register file leaves it there (see accept), so its keeper downloads it there. */
export function canDownload(p: Principal, t: TransferFacts): boolean {
  if (!isReceiver(p, t)) return false;
  return t.status === "downloaded" || waitsInRegister(t);
}

/**
 * The receiving school reads a waiting file before accepting it, to match its pupils against its
 * register; the file stays waiting until the import that accepts it is committed.
 */
export function canPreview(p: Principal, t: TransferFacts): boolean {
  return isReceiver(p, t) && (t.status === "available" || t.status === "downloaded");
}

export function canReject(p: Principal, t: TransferFacts): boolean {
  return isReceiver(p, t) && t.status === "available";
}

/**
 * The sender until the file is downloaded; the receiver once it has been; and a register file's
 * keeper (its sending school's LA) while it waits there, which closes it.
 */
export function canRemove(p: Principal, t: TransferFacts): boolean {
  if (
    isSender(p, t) &&
    ["checking", "failed", "available", "lost", "outside", "rejected"].includes(t.status)
  )
    return true;
  if (!isReceiver(p, t)) return false;
  return t.status === "downloaded" || waitsInRegister(t);
}

/** An LA passes a lost or out-of-sector file on to the school the pupil turned up at. */
export function canRedirect(p: Principal, t: TransferFacts): boolean {
  return servesRegister(p, t);
}

/** ...and only to a school in its own area: another LA's schools are that LA's to serve. */
export function canRedirectTo(p: Principal, toLaestab: string): boolean {
  return p.role === "la" && laOf(toLaestab) === p.laCode && !toLaestab.endsWith("LLLL");
}

/** Sending as a school: its own staff only; an LA sends as itself (NNNLLLL), never as a school. */
export function canSendFrom(p: Principal, sourceLaestab: string): boolean {
  if (p.role === "school") return p.establishment === sourceLaestab;
  if (p.role === "la") return sourceLaestab === ownLa(p);
  return false;
}
