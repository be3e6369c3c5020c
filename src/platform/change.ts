/**
 * The one way a domain operation changes things: its writes, its audit entries and its mail
 * commit together in one transaction, and what must happen only once they have committed
 * (waking the mail sender and the job workers, dropping this process's cached copies) runs
 * after the commit, never after a rollback.
 */

import type { HubContext } from "../hub/context.js";
import type { Tx } from "../hub/schema.js";

export interface Change {
  trx: Tx;
  /** Mail was queued: deliver it without waiting for the next poll. */
  mailQueued(): void;
  /** Jobs were queued: wake the workers. */
  jobsQueued(): void;
  /**
   * A cached thing changed (`inbox:LAESTAB`, `principals`). The database tells every process when
   * the change commits; this tells this process at once, so its user sees it on the next request.
   */
  notice(key: string): void;
}

export async function inTransaction<T>(
  ctx: HubContext,
  work: (change: Change) => Promise<T>,
): Promise<T> {
  let mail = false;
  let jobs = false;
  const notices = new Set<string>();
  const result = await ctx.db.transaction().execute((trx) =>
    work({
      trx,
      mailQueued: () => {
        mail = true;
      },
      jobsQueued: () => {
        jobs = true;
      },
      notice: (key) => {
        notices.add(key);
      },
    }),
  );
  for (const key of notices) ctx.caches?.notice(key);
  if (jobs) ctx.jobs.wake();
  if (mail) ctx.mailQueued?.();
  return result;
}
