/**
 * A file's whole history, in words and in order: sent, checked, notified, looked at, downloaded,
 * rejected, passed on, expired, removed, deleted. Read from the audit log by the file it is
 * about and from the mail sent about it. Anyone who may see the file may see its history, but
 * a user is named only to their own organisation; to everyone else, an action is their
 * school's or LA's. Repeated looks by one organisation are told once, with how many; the
 * sender's looks at its own file are left out (they are not news, and its software makes them).
 */
import type { HubContext, Principal } from "./context.js";
import { organisationNames } from "./organisation-names.js";
import { organisationOf } from "./principal.js";
import { visible } from "./transfer-reads.js";

export interface HistoryEntry {
  at: string;
  /** What happened, for a page to pick out (the download, a pass on). */
  kind: string;
  text: string;
}

const CHECKED: Record<string, string> = {
  available: "Checked: no errors. Waiting for the school to download it",
  failed: "Checked: it has errors, so it was not sent on",
  lost: "Checked, and put in the Lost Pupils database",
  outside: "Checked, and put in the out of sector register",
};

export async function transferHistory(
  ctx: HubContext,
  p: Principal,
  id: string,
): Promise<HistoryEntry[]> {
  const row = await visible(ctx, p, id);
  const [events, mail] = await Promise.all([
    ctx.db
      .selectFrom("audit_events")
      .select(["at", "action", "username", "organisation", "detail"])
      .where("target", "=", `transfer:${row.id}`)
      .orderBy("at")
      .orderBy("id")
      .execute(),
    ctx.db
      .selectFrom("mail_outbox")
      .select(["subject", "created_at", "sent_at", "attempts", "last_error"])
      .where("transfer_id", "=", row.id)
      .orderBy("created_at")
      .execute(),
  ]);
  const names = await organisationNames(
    ctx.db,
    events.map((e) => e.organisation),
    events.flatMap((e) => {
      const to = (e.detail as { to?: unknown } | null)?.to;
      return typeof to === "string" ? [to] : [];
    }),
  );
  names.set("admin", "the S2S administrators");
  const mine = organisationOf(p);
  // The sending organisation as the audit log names it (an LA as "LA 823").
  const sender = row.source_laestab.endsWith("LLLL")
    ? `LA ${row.source_laestab.slice(0, 3)}`
    : row.source_laestab;
  const who = (e: { username: string | null; organisation: string | null }) => {
    if (!e.organisation) return "S2S";
    const org = names.get(e.organisation) ?? e.organisation;
    return e.organisation === mine && e.username ? `${e.username} (${org})` : org;
  };
  const entries: (HistoryEntry & { times?: number })[] = [];
  for (const e of events) {
    const detail = (e.detail ?? {}) as Record<string, unknown>;
    const at = e.at.toISOString();
    let text: string | undefined;
    let kind = e.action;
    switch (e.action) {
      case "upload":
        text = `Sent by ${who(e)}`;
        break;
      case "transfer.checked":
        text = CHECKED[String(detail.status)] ?? "Checked";
        break;
      case "transfer.check-gave-up":
        text = "S2S could not check it";
        break;
      case "transfer.view":
      case "pupils.view": {
        // Your own looks are not news to you, nor the sender's at its own file to anyone (its
        // MIS checks on it); others', one after another, are one line.
        if (e.organisation === mine || e.organisation === sender) continue;
        kind = `look:${e.organisation}`;
        const last = entries.at(-1);
        if (last?.kind === kind) {
          last.times = (last.times ?? 1) + 1;
          continue;
        }
        text = `Looked at by ${who(e)}`;
        break;
      }
      case "preview":
        text = `Read by ${who(e)}'s MIS, before accepting it`;
        break;
      case "accept":
        text = `Accepted by ${who(e)}`;
        break;
      case "download":
        text = `Downloaded by ${who(e)}`;
        break;
      case "reject":
        text = `Rejected by ${who(e)}`;
        break;
      case "redirect":
        text = `Passed on by ${who(e)} to ${names.get(String(detail.to)) ?? String(detail.to)}`;
        break;
      case "expire":
        text = "Expired: not downloaded in time, so its contents were deleted";
        break;
      case "remove":
        text = `Removed by ${who(e)}; its pupils' data was deleted`;
        break;
      case "purge":
        text = "Its contents were deleted from S2S, as planned";
        break;
    }
    if (text) entries.push({ at, kind, text });
  }
  for (const m of mail) {
    if (m.sent_at)
      entries.push({ at: m.sent_at.toISOString(), kind: "mail", text: `E-mailed: "${m.subject}"` });
    else
      entries.push({
        at: m.created_at.toISOString(),
        kind: "mail.waiting",
        text: `E-mail waiting to go: "${m.subject}"${m.attempts > 0 ? ` (tried ${m.attempts} times so far)` : ""}`,
      });
  }
  return entries
    .map(({ at, kind, text, times }) => ({
      at,
      kind: kind.startsWith("look:") ? "look" : kind,
      text: times ? `${text} (${times} times)` : text,
    }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}
