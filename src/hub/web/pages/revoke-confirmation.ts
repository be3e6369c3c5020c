/** What revoking an API token will do, in words, for the account page and the administrator's. */
import type { Confirmation } from "../../../platform/web/confirm.js";
import { formatDate } from "../../../platform/web/views.js";

export function revokeConfirmation(
  token: { label: string; username: string; created_at: Date; last_used_at: Date | null },
  cancel: string,
  fields: Record<string, string> = {},
): Confirmation {
  return {
    title: `Revoke the token "${token.label}"?`,
    lines: [
      `The API token "${token.label}" of ${token.username}, made on ${formatDate(token.created_at)}, ${token.last_used_at ? `last used on ${formatDate(token.last_used_at)}` : "never used"}, will stop working now.`,
      "Any program using it (a folder agent, an MIS) will be refused until it is given a new token. This cannot be undone.",
    ],
    fields,
    button: "Yes, revoke this token",
    destructive: true,
    cancel,
  };
}
