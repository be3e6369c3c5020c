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

export const S3_SERVER = fileURLToPath(new URL("./s3-server.ts", import.meta.url));

/**
 * With BENCH_STORE=s3, an S3 server in its own process and the hub's settings for it (the
 * bucket holds what the hub stores); otherwise the folder store, and nothing to start.
 */
export async function benchStore(): Promise<{
  env: Record<string, string>;
  suffix: string;
  stop(): Promise<void>;
}> {
  if (process.env.BENCH_STORE !== "s3") return { env: {}, suffix: "", stop: async () => {} };
  const child = spawn(process.execPath, ["--import", "tsx", S3_SERVER], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const env = await new Promise<Record<string, string>>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d) => {
      out += String(d);
      if (out.includes("\n")) resolve(JSON.parse(out.split("\n")[0] as string));
    });
    child.on("exit", (code) => reject(new Error(`the S3 server exited ${code}`)));
  });
  return {
    env: { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    suffix: ".s3",
    stop: () => stopServer(child),
  };
}
