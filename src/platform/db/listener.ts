/**
 * LISTEN on a PostgreSQL channel over a connection of its own, kept open: a lost connection is
 * reported (notices may have been missed while it was down) and re-opened with back-off.
 */
import pg from "pg";

export interface NoticeHandlers {
  notice(payload: string): void;
  /** false whenever notices may be missed; true once listening (again). */
  live(live: boolean): void;
}

export interface Listening {
  close(): Promise<void>;
}

const RETRY_MS = [100, 500, 1000, 5000];

export function listenPostgres(url: string, channel: string, on: NoticeHandlers): Listening {
  let closed = false;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;

  const connect = async () => {
    if (closed) return;
    const c = new pg.Client({ connectionString: url });
    client = c;
    let lost = false;
    const onLost = () => {
      if (lost) return;
      lost = true;
      on.live(false);
      c.end().catch(() => {});
      if (!closed) {
        const delay = RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)];
        timer = setTimeout(() => void connect(), delay);
      }
    };
    c.on("error", onLost);
    c.on("end", onLost);
    c.on("notification", (n) => {
      if (n.channel === channel) on.notice(n.payload ?? "");
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      if (closed || lost) return;
      failures = 0;
      on.live(true);
    } catch {
      onLost();
    }
  };
  void connect();

  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      on.live(false);
      await client?.end().catch(() => {});
    },
  };
}
