/**
 * Telling the hub a file was imported (accepting it there), after the import commits. The commit
 * writes an outbox row in its own transaction; this sends it outside any transaction, so a slow
 * or absent hub never holds the database, and tries again with back-off until the hub answers.
 * The hub's considered refusal (the file removed there meanwhile) is noted and not repeated: the
 * pupils are in the register either way, and the import's page says what the hub said.
 */
import { HubError, isRetryable } from "../client/hub-client.js";
import { backoffSeconds } from "../platform/mail/outbox.js";
import type { MisContext } from "./context.js";
import { hubClientFor } from "./hub-connection.js";
import type { MisTx } from "./schema.js";

/** A claimed accept is hidden from other senders for this long: well past the client's timeout. */
const LEASE_MS = 2 * 60 * 1000;

export async function queueAccept(
  trx: MisTx,
  importId: string,
  transferId: string,
  now: Date,
): Promise<void> {
  await trx
    .insertInto("hub_accepts")
    .values({ import_id: importId, transfer_id: transferId, created_at: now, next_attempt_at: now })
    .onConflict((oc) => oc.column("import_id").doNothing())
    .execute();
}

export type AcceptState =
  | { status: "waiting"; lastError: string | null }
  | { status: "accepted"; at: string }
  | { status: "refused"; reason: string };

/** Sends the accepts that are due (or only `importId`'s); returns how each went. */
export async function sendDueAccepts(
  ctx: MisContext,
  importId?: string,
): Promise<{ accepted: number; waiting: number; refused: number }> {
  const done = { accepted: 0, waiting: 0, refused: 0 };
  // Made once something is due: the job asks every minute, and mostly nothing is.
  let connecting: ReturnType<typeof hubClientFor> | undefined;
  for (let i = 0; i < 100; i++) {
    const now = ctx.clock();
    const due = await ctx.db
      .updateTable("hub_accepts")
      .set({ next_attempt_at: new Date(now.getTime() + LEASE_MS) })
      .where("import_id", "=", (eb) => {
        let q = eb
          .selectFrom("hub_accepts")
          .select("import_id")
          .where("accepted_at", "is", null)
          .where("refused", "is", null)
          .where("next_attempt_at", "<=", now);
        if (importId !== undefined) q = q.where("import_id", "=", importId);
        return q.orderBy("next_attempt_at").limit(1).forUpdate().skipLocked();
      })
      .returning(["import_id", "transfer_id", "attempts"])
      .executeTakeFirst();
    if (!due) break;
    const attempts = due.attempts + 1;
    const retry = (message: string) =>
      ctx.db
        .updateTable("hub_accepts")
        .set({
          attempts,
          last_error: message.slice(0, 500),
          next_attempt_at: new Date(ctx.clock().getTime() + backoffSeconds(attempts) * 1000),
        })
        .where("import_id", "=", due.import_id)
        .execute();
    connecting ??= hubClientFor(ctx);
    const hub = await connecting;
    if (!hub) {
      await retry("This school side is not connected to the hub: it is told once it is.");
      done.waiting++;
      continue;
    }
    try {
      await hub.accept(due.transfer_id);
      await ctx.db
        .updateTable("hub_accepts")
        .set({ attempts, accepted_at: ctx.clock(), last_error: null })
        .where("import_id", "=", due.import_id)
        .execute();
      done.accepted++;
    } catch (e) {
      // A token refused (401) is the connection's fault, not the file's: a person mends it.
      if (isRetryable(e) || (e instanceof HubError && e.status === 401)) {
        await retry((e as Error).message);
        done.waiting++;
      } else if (e instanceof HubError) {
        await ctx.db
          .updateTable("hub_accepts")
          .set({ attempts, refused: e.message.slice(0, 500), last_error: null })
          .where("import_id", "=", due.import_id)
          .execute();
        done.refused++;
      } else throw e;
    }
  }
  return done;
}

/** How each import's accept stands, for the imports' list. */
export async function acceptStates(
  ctx: MisContext,
  importIds: string[],
): Promise<Map<string, AcceptState>> {
  if (importIds.length === 0) return new Map();
  const rows = await ctx.db
    .selectFrom("hub_accepts")
    .select(["import_id", "accepted_at", "refused", "last_error"])
    .where("import_id", "in", importIds)
    .execute();
  return new Map(
    rows.map((r) => [
      r.import_id,
      r.accepted_at
        ? { status: "accepted", at: r.accepted_at.toISOString() }
        : r.refused !== null
          ? { status: "refused", reason: r.refused }
          : { status: "waiting", lastError: r.last_error },
    ]),
  );
}
