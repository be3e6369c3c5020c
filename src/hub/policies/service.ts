/**
 * Who may see and change the service's own records: the directory of establishments, the
 * corrections schools report, the audit log and the mail the service sent.
 */
import type { Principal } from "../principal.js";

type Actor = Principal | null;

const isAdmin = (a: Actor) => a === null || a.role === "admin";

/** Importing GIAS, setting a notice e-mail. */
export const canEditDirectory = (a: Actor): boolean => isAdmin(a);

/** A school reports what is wrong with its own directory record. */
export const canReportCorrection = (a: Actor): boolean =>
  a !== null && a.role === "school" && a.establishment !== null;

export const canReadCorrections = (a: Actor): boolean => isAdmin(a);

export const canReadAudit = (a: Actor): boolean => isAdmin(a);

/** Recent mail (subjects and recipients, never bodies) for the service's operators. */
export const canReadMail = (a: Actor): boolean => isAdmin(a);
