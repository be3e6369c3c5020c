import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Runs a bench worker script in a fresh Node process and parses the JSON it prints last. */
export function runWorker<T>(script: string, args: string[]): Promise<T> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", path, ...args],
      { maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`${script} failed: ${stderr || err.message}`));
        const last = stdout.trim().split("\n").pop() ?? "";
        resolve(JSON.parse(last) as T);
      },
    );
  });
}
