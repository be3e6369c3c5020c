/**
 * Waits for uploads to be checked, for the hub benchmarks: one connection reads the hub's own
 * record of each file's check, asking only for the files still waited for, by primary key, so
 * that watching does not load the database being measured (a scan of every checked file per
 * poll did).
 */
import pg from "pg";

export interface CheckWatcher {
  /**
   * The file's status once checked, seen at most one poll late (so the time it resolves is an
   * upper bound); "not checked in time" after `giveUpMs`, if given.
   */
  checked(id: string, giveUpMs?: number): Promise<string>;
  stop(): Promise<void>;
}

export async function watchChecks(url: string, pollMs: number): Promise<CheckWatcher> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const waiting = new Map<string, (status: string) => void>();
  let watching = true;
  const loop = (async () => {
    while (watching) {
      const ids = [...waiting.keys()];
      if (ids.length > 0) {
        const { rows } = await client.query<{ id: string; status: string }>(
          "select id, status from transfers where id = any($1::uuid[]) and checked_at is not null",
          [ids],
        );
        for (const r of rows) {
          waiting.get(r.id)?.(r.status);
          waiting.delete(r.id);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  })();
  return {
    checked: (id, giveUpMs) =>
      new Promise((resolve) => {
        waiting.set(id, resolve);
        if (giveUpMs !== undefined)
          setTimeout(() => {
            if (waiting.delete(id)) resolve("not checked in time");
          }, giveUpMs);
      }),
    async stop() {
      watching = false;
      await loop;
      await client.end();
    },
  };
}
