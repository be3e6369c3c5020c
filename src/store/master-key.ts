import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * The key that wraps every file's own key: from S2S_MASTER_KEY (base64 of 32 bytes) or a key
 * file made on first run, readable by its owner only. Lose it and the files cannot be read.
 */
export function loadMasterKey(fromEnv: string | undefined, keyFile: string): Buffer {
  if (fromEnv !== undefined) {
    const key = Buffer.from(fromEnv, "base64");
    if (key.length !== 32) throw new Error("S2S_MASTER_KEY must be base64 of exactly 32 bytes");
    return key;
  }
  if (!existsSync(keyFile)) {
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  }
  chmodSync(keyFile, 0o600);
  const key = Buffer.from(readFileSync(keyFile, "utf8").trim(), "base64");
  if (key.length !== 32) throw new Error(`${keyFile} does not hold a 32-byte key`);
  return key;
}
