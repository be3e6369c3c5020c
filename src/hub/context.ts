import type { BlobStore } from "../platform/store/blob-store.js";
import type { SecretBox } from "../platform/store/secret-box.js";
import type { HubCaches } from "./caches.js";
import type { HubConfig } from "./config.js";
import type { HubMetrics } from "./metrics.js";
import type { Db, Tx } from "./schema.js";

export type { Principal } from "./principal.js";

/** Background work the domain asks for; sent inside the caller's transaction. */
export interface JobQueue {
  /** `bytes`, the file's size, sizes the job's lease: a crashed check is picked up again soon. */
  checkUpload(trx: Tx, transferId: string, bytes: number): Promise<void>;
  /** Called after the commit that queued jobs, so a worker need not wait for its next poll. */
  wake(): void;
}

/** Everything a domain operation may touch; HTTP, jobs and the CLI each build one. */
export interface HubContext {
  db: Db;
  /** Encrypting: what is put here is kept encrypted at rest. */
  store: BlobStore;
  /** Seals small secrets kept in the database (second-factor keys). */
  secrets: SecretBox;
  jobs: JobQueue;
  config: HubConfig;
  clock: () => Date;
  /** Called after a commit that queued mail, so delivery need not wait for the next poll. */
  mailQueued?: () => void;
  /** A serving process's caches; absent (no caching) in the CLI and jobs-only contexts. */
  caches?: HubCaches;
  /** This process's metrics; absent in the CLI. */
  metrics?: HubMetrics;
  /** This process's id among the running ones (hub_processes); absent in the CLI. */
  processId?: string;
}
