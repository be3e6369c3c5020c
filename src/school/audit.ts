/** The school side's audit log: every read of a pupil's record and every change, by whom. */

import type { MisPrincipal } from "./context.js";
import type { MisDb, MisTx } from "./schema.js";

export type MisAuditAction =
  | "school.init"
  | "sign-in"
  | "sign-in.failed"
  | "second-factor.set-up"
  | "second-factor.recovery-codes"
  | "second-factor.recovery-code-used"
  | "user.password-change"
  | "password-change.failed"
  | "user.password-link"
  | "user.password-link-used"
  | "settings.staff-second-factor"
  | "user.create"
  | "token.create"
  | "pupils.search"
  | "pupil.view"
  | "pupils.demo"
  | "pupil.create"
  | "pupil.edit"
  | "associated-school.add"
  | "associated-school.update"
  | "associated-school.remove"
  | "pupil.leaving"
  | "export.create"
  | "export.send"
  | "export.send-saved"
  | "export.download"
  | "exports.search"
  | "leavers.report"
  | "settings.exchange-folder"
  | "user.disable"
  | "user.token-life"
  | "user.enable"
  | "token.revoke"
  | "import.create"
  | "import.commit"
  | "import.undo"
  | "pupil.enrol";

export async function misAudit(
  db: MisDb | MisTx,
  who: MisPrincipal | null,
  action: MisAuditAction,
  target?: string,
  detail: Record<string, unknown> = {},
): Promise<void> {
  await db
    .insertInto("audit_events")
    .values({
      user_id: who?.userId ?? null,
      // Nobody signed in: the operator at the server's command line.
      username: who?.username ?? "(operator)",
      action,
      target: target ?? null,
      detail: JSON.stringify(detail),
    })
    .execute();
}
