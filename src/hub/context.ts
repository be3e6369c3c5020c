import type { HubConfig } from "../config.js";
import type { Db, Tx } from "../db/database.js";
import type { Role } from "../db/schema.js";
import type { FileStore } from "../store/store.js";
import type { HubCaches } from "./caches.js";

/** Background work the domain asks for; sent inside the caller's transaction. */
export interface JobQueue {
  checkUpload(trx: Tx, transferId: string): Promise<void>;
  /** Called after the commit that queued jobs, so a worker need not wait for its next poll. */
  wake(): void;
}

/** Everything a domain operation may touch; HTTP, jobs and the CLI each build one. */
export interface HubContext {
  db: Db;
  store: FileStore;
  jobs: JobQueue;
  config: HubConfig;
  clock: () => Date;
  /** Called after a commit that queued mail, so delivery need not wait for the next poll. */
  mailQueued?: () => void;
  /** A serving process's caches; absent (no caching) in the CLI and jobs-only contexts. */
  caches?: HubCaches;
}

/** Who is asking: a signed-in user or an API token's owner. */
export interface Principal {
  userId: string;
  username: string;
  role: Role;
  establishment: string | null;
  laCode: string | null;
  ip?: string;
}

/** The organisation a principal acts for, as the audit log records it. */
export function organisationOf(p: Principal): string {
  if (p.role === "school") return p.establishment ?? "";
  if (p.role === "la") return `LA ${p.laCode ?? ""}`;
  return "admin";
}
