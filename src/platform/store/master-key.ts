import { randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";

/**
 * The key that wraps every file's own key, and from which the form and secret keys derive. In
 * production it must not lie beside the data it protects: it comes from S2S_MASTER_KEY (base64
 * of 32 bytes) or S2S_MASTER_KEY_FILE (a file outside the data folder, made on first use). Only
 * a demo keeps it in the data folder, which is then marked as demo data. Lose it and the files
 * cannot be read.
 */
export interface MasterKeySource {
  fromEnv?: string | undefined;
  keyFile?: string | undefined;
  dataDir: string;
  /** Started with --demo: a key in the data folder is allowed, and the folder marked so. */
  demo: boolean;
}

/** No key was given, and this is not a demo: says what to set. */
export class MasterKeyMissingError extends Error {
  constructor(dataDir: string, hasLocalKey: boolean) {
    super(
      hasLocalKey
        ? `the master key is in the data folder (${join(dataDir, "master.key")}), beside the data it protects. Move it somewhere else (another disk or a secret store), then set S2S_MASTER_KEY_FILE to its new place, or S2S_MASTER_KEY to its contents.`
        : "no master key: set S2S_MASTER_KEY (base64 of 32 bytes) or S2S_MASTER_KEY_FILE (a file outside the data folder, made on first use). For a demo, start with --demo.",
    );
    this.name = "MasterKeyMissingError";
  }
}

const DEMO_MARKER = "DEMO-DATA";

export function loadMasterKey(source: MasterKeySource): Buffer {
  if (source.fromEnv !== undefined) {
    const key = Buffer.from(source.fromEnv, "base64");
    if (key.length !== 32) throw new Error("S2S_MASTER_KEY must be base64 of exactly 32 bytes");
    return key;
  }
  if (source.keyFile !== undefined) {
    if (isWithin(source.dataDir, source.keyFile))
      throw new Error(
        `S2S_MASTER_KEY_FILE (${source.keyFile}) is inside the data folder; keep it elsewhere.`,
      );
    return readOrMake(source.keyFile);
  }
  const local = join(source.dataDir, "master.key");
  const marker = join(source.dataDir, DEMO_MARKER);
  if (!source.demo && !existsSync(marker))
    throw new MasterKeyMissingError(source.dataDir, existsSync(local));
  const key = readOrMake(local);
  if (!existsSync(marker))
    writeFileSync(
      marker,
      "This data folder holds demo data, and its master key sits beside it. Never keep real pupils' data here.\n",
    );
  return key;
}

/**
 * Whether `path` lies in `dir`, as written or after following links: a link in the data folder
 * to the key, or to the data folder from beside the key, is the key beside the data all the same.
 */
function isWithin(dir: string, path: string): boolean {
  const inside = (d: string, p: string) => {
    const r = relative(d, p);
    return r === "" || (!r.startsWith("..") && !isAbsolute(r));
  };
  return inside(resolve(dir), resolve(path)) || inside(realish(dir), realish(path));
}

/** The real path of `path`, or of its nearest existing parent with the rest after it. */
function realish(path: string): string {
  const full = resolve(path);
  const parent = dirname(full);
  if (existsSync(full)) return realpathSync(full);
  return parent === full ? full : join(realish(parent), basename(full));
}

function readOrMake(keyFile: string): Buffer {
  if (!existsSync(keyFile)) {
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  }
  chmodSync(keyFile, 0o600);
  const key = Buffer.from(readFileSync(keyFile, "utf8").trim(), "base64");
  if (key.length !== 32) throw new Error(`${keyFile} does not hold a 32-byte key`);
  return key;
}
