import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Starts a process and resolves with the first URL it prints. */
export function startServer(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout?.on("data", (d) => {
      out += String(d);
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1]) resolve({ url: m[1], child });
    });
    child.stderr?.on("data", (d) => {
      out += String(d);
    });
    child.on("exit", (code) => reject(new Error(`server exited ${code}: ${out.slice(-2000)}`)));
  });
}

export function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.on("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

export const BIN = fileURLToPath(new URL("../../bin/s2s.js", import.meta.url));
export const BARE = fileURLToPath(new URL("./bare-server.ts", import.meta.url));

export function runCli(args: string[], env: NodeJS.ProcessEnv): string {
  return execFileSync(process.execPath, [BIN, ...args], { env, encoding: "utf8" });
}
