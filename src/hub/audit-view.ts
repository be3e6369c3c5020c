/**
 * The audit log as an administrator reads it on a page: files, users and establishments named
 * rather than given by id, each event's details in words, and a run of looks at one file by one
 * user told once with how many. The API gives the raw log; this is only its presentation.
 */
import { partyName } from "../ctf/filename.js";
import { type AuditAction, type AuditQuery, readAudit } from "./audit.js";
import { organisationNames } from "./organisation-names.js";
import type { Principal } from "./principal.js";
import type { Db } from "./schema.js";

export const AUDIT_PAGE = 50;

const LOOKS = new Set(["transfer.view", "pupils.view"]);

const ACTIONS: Record<AuditAction, string> = {
  "sign-in": "Signed in",
  "sign-in.failed": "Sign-in refused",
  "sign-out": "Signed out",
  upload: "Sent a file",
  "transfers.search": "Searched own files by a pupil's name",
  "transfer.checked": "File checked",
  "transfer.check-gave-up": "File could not be checked",
  "transfer.view": "Looked at a file",
  "pupils.view": "Looked at the pupils in a file",
  accept: "Accepted a file",
  download: "Downloaded a file",
  preview: "Read a waiting file (MIS import)",
  reject: "Rejected a file",
  remove: "Removed a file",
  redirect: "Passed a file on",
  "matches.read": "Looked at possible found children",
  "match.dismiss": "Dismissed a possible found child",
  "match.confirm": "Confirmed a found child and passed the file on",
  expire: "File expired",
  purge: "File's contents deleted",
  search: "Searched the registers",
  "search.limit-reached": "Reached the search limit",
  "audit.read": "Read the audit log",
  "mail.read": "Opened a message",
  "notices.register": "Changed the register notices setting",
  "notices.downloaded": "Changed the downloaded-file notices setting",
  "register.access-told": "Told an LA its register was searched",
  "token.create": "Made an API token",
  "token.revoke": "Revoked an API token",
  "user.create": "Made a user",
  "user.approve": "Approved an account request",
  "user.decline": "Declined an account request",
  "user.disable": "Disabled or enabled a user",
  "user.password-reset": "Reset a password",
  "user.password-change": "Changed a password",
  "password-change.failed": "Password change refused",
  "second-factor.set-up": "Set up a second factor",
  "second-factor.recovery-codes": "Made new recovery codes",
  "second-factor.recovery-code-used": "Signed in with a recovery code",
  "school.second-factor": "Changed whether school users need a second factor",
  "user.token-life": "Set how long a user's tokens last",
  "establishments.import": "Imported the school directory",
  "establishment.update": "Changed a school in the directory",
  "establishment.email-requested": "Asked to confirm a school's address",
  "establishment.email-confirmed": "Confirmed a school's address",
  "sign-in-link.issue": "Sent a sign-in link",
  "sign-in-link.use": "Used a sign-in link",
  "account.created-notice": "Told a new user of their account",
  "correction.report": "Reported a correction",
  "correction.resolve": "Marked a correction done",
  "keys.rotate": "Rotated the encryption keys",
};

const actionWords = (action: string) => ACTIONS[action as AuditAction] ?? action;

/** The log's own names for facts, as a reader says them. */
const KEYS: Record<string, string> = {
  secondFactor: "second factor",
  resetSecondFactor: "second factor reset",
  tokenMaxDays: "longest token life in days",
  expiresInDays: "lasts days",
  tokensRevoked: "tokens revoked",
  passedOn: "passed on",
  fileName: "file",
  transferId: "file",
};

const ROLES: Record<string, string> = {
  school: "school staff",
  la: "local authority staff",
  admin: "service administrator",
};

function valueInWords(key: string, v: unknown): string {
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (key === "role") return ROLES[String(v)] ?? String(v);
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** The parts of a key in camelCase, as words ("tokensRevoked": "tokens revoked"). */
const keyInWords = (key: string) =>
  KEYS[key] ?? key.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`).replace(/-/g, " ");

const CHECKED: Record<string, string> = {
  available: "sent on",
  failed: "errors, so not sent on",
  lost: "put in the Lost Pupils database",
  outside: "put in the out of sector register",
};

/** One event's details in words: each fact by name, pupil data never (the log holds none). */
function detailInWords(action: string, detail: Record<string, unknown>): string {
  const d = { ...detail };
  delete d.worker;
  if (action === "search") {
    const criteria = Object.keys((d.criteria as Record<string, unknown>) ?? {});
    const where =
      d.register === "outside"
        ? "the out of sector register"
        : d.register === "lost"
          ? "the Lost Pupils database"
          : "both registers";
    return d.browse
      ? `looked at ${where}, page ${d.page ?? 1}: ${d.results ?? 0} shown`
      : `by ${criteria.join(", ") || "nothing"}: ${d.results ?? 0} found, page ${d.page ?? 1}`;
  }
  if (action === "transfer.checked")
    return `${CHECKED[String(d.status)] ?? String(d.status)}: ${d.errors ?? 0} errors, ${d.warnings ?? 0} warnings`;
  if (action === "redirect") return `from ${partyName(String(d.from))} to ${String(d.to)}`;
  if (action === "audit.read")
    return Array.isArray(d.filter) && d.filter.length ? `filtered by ${d.filter.join(", ")}` : "";
  return Object.entries(d)
    .filter(([, v]) => v !== undefined && v !== null && v !== "")
    .map(([k, v]) => `${keyInWords(k)}: ${valueInWords(k, v)}`)
    .join("; ");
}

export async function auditView(db: Db, actor: Principal, q: AuditQuery, page: number) {
  const rows = await readAudit(db, actor, {
    ...q,
    limit: AUDIT_PAGE + 1,
    offset: (page - 1) * AUDIT_PAGE,
  });
  const shown = rows.slice(0, AUDIT_PAGE);
  const ids = (kind: string) => [
    ...new Set(
      shown.flatMap((e) =>
        e.target?.startsWith(`${kind}:`) ? [e.target.slice(kind.length + 1)] : [],
      ),
    ),
  ];
  const [files, users, names] = await Promise.all([
    ids("transfer").length === 0
      ? []
      : db
          .selectFrom("transfers")
          .select(["id", "file_name"])
          .where("id", "in", ids("transfer"))
          .execute(),
    ids("user").length === 0
      ? []
      : db.selectFrom("users").select(["id", "username"]).where("id", "in", ids("user")).execute(),
    organisationNames(
      db,
      shown.map((e) => e.organisation),
      ids("establishment"),
    ),
  ]);
  const fileName = new Map(files.map((f) => [f.id, f.file_name]));
  const userName = new Map(users.map((u) => [u.id, u.username]));
  const orgName = (o: string | null) =>
    !o ? "" : o === "admin" ? "administrators" : (names.get(o) ?? o);
  const named = (target: string | null) => {
    if (!target) return { text: "", href: undefined as string | undefined };
    const [kind, id = ""] = target.split(/:(.*)/s);
    if (kind === "transfer") return { text: fileName.get(id) ?? "a file", href: undefined };
    if (kind === "user")
      return { text: `user ${userName.get(id) ?? "(gone)"}`, href: `/admin/users/${id}` };
    if (kind === "establishment")
      return { text: names.get(id) ?? partyName(id), href: `/admin/establishments/${id}` };
    if (kind === "token") return { text: "an API token", href: undefined };
    if (kind === "mail") return { text: "a message", href: `/admin/outbox/${id}` };
    return { text: target, href: undefined };
  };
  const events: {
    at: string;
    who: string;
    organisation: string;
    action: string;
    what: { text: string; href: string | undefined };
    ip: string;
    details: string;
    times: number;
  }[] = [];
  for (const e of shown) {
    const last = events.at(-1);
    // Looks at one file by one user, one after another: one line.
    if (
      last &&
      LOOKS.has(e.action) &&
      last.action === actionWords(e.action) &&
      last.who === (e.username ?? "S2S") &&
      last.what.text === named(e.target).text
    ) {
      last.times++;
      continue;
    }
    events.push({
      at: e.at.toISOString(),
      who: e.username ?? "S2S",
      organisation: orgName(e.organisation),
      action: actionWords(e.action),
      what: named(e.target),
      ip: e.ip ?? "",
      details: detailInWords(e.action, (e.detail ?? {}) as Record<string, unknown>),
      times: 1,
    });
  }
  return { events, page, more: rows.length > AUDIT_PAGE };
}
