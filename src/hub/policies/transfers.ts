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
}

const laOf = (laestab: string) => laestab.slice(0, 3);

/** The file was sent by this principal's organisation. */
export function isSender(p: Principal, t: TransferFacts): boolean {
  if (p.role === "school") return p.establishment === t.source_laestab;
  if (p.role === "la") return laOf(t.source_laestab) === p.laCode;
  return false;
}

/** The file is addressed to this principal's organisation (or is in an LA's remit to receive). */
export function isReceiver(p: Principal, t: TransferFacts): boolean {
  if (p.role === "school") return t.dest_kind === "school" && p.establishment === t.dest_laestab;
  if (p.role === "la") {
    if (t.dest_kind === "lost" || t.dest_kind === "outside") return true;
    return laOf(t.dest_laestab) === p.laCode;
  }
  return false;
}

/** Receivers see a file only once it has passed its checks. */
const RECEIVABLE = new Set(["available", "lost", "outside", "downloaded", "rejected", "expired"]);

export function canSeeTransfer(p: Principal, t: TransferFacts): boolean {
  if (p.role === "admin") return true;
  return isSender(p, t) || (isReceiver(p, t) && RECEIVABLE.has(t.status));
}

/** Pupil data: the receiver, and the sender (it is their own file); never an admin by default. */
export function canReadPupils(p: Principal, t: TransferFacts): boolean {
  if (p.role === "admin") return false;
  return isSender(p, t) || (isReceiver(p, t) && RECEIVABLE.has(t.status) && t.status !== "expired");
}

export function canAccept(p: Principal, t: TransferFacts): boolean {
  return isReceiver(p, t) && ["available", "lost", "outside", "downloaded"].includes(t.status);
}

export function canDownload(p: Principal, t: TransferFacts): boolean {
  return isReceiver(p, t) && t.status === "downloaded";
}

export function canReject(p: Principal, t: TransferFacts): boolean {
  return isReceiver(p, t) && t.status === "available";
}

/** The sender until the file is downloaded; the receiver once it has been. */
export function canRemove(p: Principal, t: TransferFacts): boolean {
  if (
    isSender(p, t) &&
    ["checking", "failed", "available", "lost", "outside", "rejected"].includes(t.status)
  )
    return true;
  return isReceiver(p, t) && t.status === "downloaded";
}

/** An LA passes a lost or out-of-sector file on to the school the pupil turned up at. */
export function canRedirect(p: Principal, t: TransferFacts): boolean {
  return (
    p.role === "la" &&
    (t.dest_kind === "lost" || t.dest_kind === "outside") &&
    ["lost", "outside"].includes(t.status)
  );
}

/** Sending from a school: its own staff, or staff of its LA. */
export function canSendFrom(p: Principal, sourceLaestab: string): boolean {
  if (p.role === "school") return p.establishment === sourceLaestab;
  if (p.role === "la") return laOf(sourceLaestab) === p.laCode;
  return false;
}
