/**
 * Per-process caches of what most requests read: who a credential belongs to, and each
 * organisation's inbox. Correctness rests on change notices (migration 0006): every commit that
 * changes what an entry holds sends one, and this process drops the entry on hearing it. While
 * the listening connection is down nothing is cached, since notices may be going unheard; a
 * short lifetime bounds anything a notice could not describe.
 */
import type { Principal } from "./principal.js";
import type { InboxEntry } from "./transfer-view.js";

const MAX_ENTRIES = 10_000;

export class NoticeCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  // Bumped by every drop, so a load that started before a change is never stored after it.
  private generation = 0;
  private live = false;

  constructor(private readonly lifetimeMs: number) {}

  async get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const hit = this.entries.get(key);
    if (hit && hit.until > performance.now()) return hit.value;
    const generation = this.generation;
    const value = await load();
    if (value !== undefined && this.live && generation === this.generation) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      this.entries.set(key, { value, until: performance.now() + this.lifetimeMs });
    }
    return value;
  }

  /** Replaces a held entry's value (after a write this process made), keeping its lifetime. */
  update(key: string, value: V): void {
    const hit = this.entries.get(key);
    if (hit) hit.value = value;
  }

  drop(key?: string): void {
    this.generation++;
    if (key === undefined) this.entries.clear();
    else this.entries.delete(key);
  }

  setLive(live: boolean): void {
    this.live = live;
    this.drop();
  }
}

export interface HubCaches {
  /** Keyed by the SHA-256 of a session id or API token. */
  principals: NoticeCache<CachedPrincipal>;
  /** Keyed by destination LAESTAB (or NNNLLLL). */
  inboxes: NoticeCache<InboxEntry[]>;
  /** Applies one change notice, from this process or another. */
  notice(payload: string): void;
  live(live: boolean): void;
}

/** A credential's owner, and what the caller must still check on every use. */
export interface CachedPrincipal extends Omit<Principal, "ip"> {
  expiresAt?: Date;
  tokenId?: string;
  lastUsedAt?: Date | null;
}

export const CHANGES_CHANNEL = "s2s_changes";

export function createCaches(): HubCaches {
  const principals = new NoticeCache<CachedPrincipal>(60_000);
  const inboxes = new NoticeCache<InboxEntry[]>(60_000);
  return {
    principals,
    inboxes,
    notice(payload) {
      if (payload === "principals") principals.drop();
      else if (payload === "inbox:*") inboxes.drop();
      else if (payload.startsWith("inbox:")) inboxes.drop(payload.slice(6));
    },
    live(live) {
      principals.setLive(live);
      inboxes.setLive(live);
    },
  };
}
