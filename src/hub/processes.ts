/**
 * Which hub processes are running: each says it is alive every few seconds, so that others can
 * tell a process that was killed (SIGKILL, a lost machine) from one still working. A request
 * claimed by a process that is gone can be retried at once on another.
 */
import type { Db } from "./schema.js";

export const HEARTBEAT_MS = 5_000;
/** Four heartbeats missed: gone, not merely busy. */
export const GONE_AFTER_MS = 20_000;

export interface Announced {
  stop(): Promise<void>;
}

export async function announceProcess(
  db: Db,
  id: string,
  role: string,
  clock: () => Date,
): Promise<Announced> {
  const now = clock();
  // Rows of processes gone an hour are no one's: a killed process never deletes its own.
  await db
    .deleteFrom("hub_processes")
    .where("seen_at", "<", new Date(now.getTime() - 3_600_000))
    .execute();
  await db
    .insertInto("hub_processes")
    .values({ id, role, started_at: now, seen_at: now })
    .execute();
  let beating: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    beating = db
      .updateTable("hub_processes")
      .set({ seen_at: clock() })
      .where("id", "=", id)
      .execute()
      // A missed beat (the database restarting, say) is made up by the next.
      .catch(() => {});
  }, HEARTBEAT_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await beating;
      await db.deleteFrom("hub_processes").where("id", "=", id).execute();
    },
  };
}

/** The ids of processes that have said they are alive lately. */
export function liveProcesses(db: Db, now: Date) {
  return db
    .selectFrom("hub_processes")
    .select("id")
    .where("seen_at", ">", new Date(now.getTime() - GONE_AFTER_MS));
}
