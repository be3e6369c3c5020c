/**
 * Hub processes as an operator runs them: `s2s hub serve --role ...` in a process of its own,
 * for the tests and benchmarks of several processes on one database.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

export const S2S_BIN = join(import.meta.dirname, "../../bin/s2s.js");

export interface HubProcess {
  child: ChildProcess;
  /** Where a web process serves; none for a worker. */
  url?: string;
  port?: number;
}

/**
 * Starts `s2s hub serve --role <role>` and resolves once it says it serves. Everything it prints
 * goes to `heard` as it comes (a full pipe would stall the process).
 */
export function startHubProcess(
  env: Record<string, string>,
  role: "web" | "worker" | "all",
  extra: string[] = [],
  heard: (text: string) => void = () => {},
): Promise<HubProcess> {
  const child = spawn(process.execPath, [S2S_BIN, "hub", "serve", "--role", role, ...extra], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const proc: HubProcess = { child };
  return new Promise((resolve, reject) => {
    let out = "";
    child.stderr?.on("data", (d) => {
      out = (out + String(d)).slice(-20_000);
      heard(String(d));
    });
    child.stdout?.on("data", (d) => {
      out = (out + String(d)).slice(-20_000);
      heard(String(d));
      const m = /S2S hub \((web|worker|all)\) on (http:\/\/[^ ]+|no web role)/.exec(out);
      if (m) {
        if (m[2]?.startsWith("http")) {
          proc.url = m[2];
          proc.port = Number(new URL(m[2]).port);
        }
        resolve(proc);
      }
    });
    child.once("exit", (code) => reject(new Error(`hub ${role} exited ${code}: ${out}`)));
  });
}

/** Stops a process with `signal` and resolves once it has gone. */
export function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}
