/** What the school side's operations touch; its HTTP, its CLI and its jobs each build one. */

import type { SecretBox } from "../platform/store/secret-box.js";
import type { MisConfig } from "./config.js";
import type { FolderIndex } from "./folder-index.js";
import type { ImportFiles } from "./import-files.js";
import type { MisDb } from "./schema.js";

export interface MisContext {
  db: MisDb;
  config: MisConfig;
  clock: () => Date;
  /** Seals the hub token kept in the database. */
  secrets: SecretBox;
  /** Imports' parsed files, held between their steps by this process. */
  importFiles: ImportFiles;
  /** What is known of the data exchange folder's files, read again only when they change. */
  folderIndex: FolderIndex;
}

/** A signed-in user of the school side, or an API token's owner. */
export interface MisPrincipal {
  userId: string;
  username: string;
  role: "manager" | "staff";
  ip?: string;
  /** Signed in with a password someone else set or saw: only choosing their own is open. */
  mustChangePassword?: boolean;
}
