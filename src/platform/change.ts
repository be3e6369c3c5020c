/**
 * The one way a domain operation changes things, in every app: its writes, its audit entries and
 * its outbox rows (mail, calls to another service) commit together in one transaction, and what
 * must happen only once they have committed (waking the mail sender and the job workers,
 * dropping this process's cached copies) runs after the commit, never after a rollback.
 */
import type { Kysely, Transaction } from "kysely";

export interface Change<S> {
  trx: Transaction<S>;
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

/** What of an app's context a change needs; the hub's and the school side's both fit. */
export interface ChangeContext<S> {
  db: Kysely<S>;
  jobs?: { wake(): void };
  mailQueued?: () => void;
  caches?: { notice(key: string): void };
}

export async function inTransaction<S, T>(
  ctx: ChangeContext<S>,
  work: (change: Change<S>) => Promise<T>,
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
  if (jobs) ctx.jobs?.wake();
  if (mail) ctx.mailQueued?.();
  return result;
}
