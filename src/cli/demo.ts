/** `s2s demo`: the hub and two schools' school sides on demo data, as `npm start` runs them. */
import type { Command } from "commander";
import { pino } from "pino";
import { DatabaseLockedError } from "../platform/db/database.js";
import { startDemoChain } from "./demo-chain.js";
import { CliError, type CliIo } from "./io.js";
import { printSignIns } from "./startup.js";

export function demoCommand(program: Command, io: CliIo): void {
  program
    .command("demo")
    .description(
      "run the whole chain on demo data: the hub and the school side of two demo schools, connected",
    )
    .option("--data <dir>", "data folder (demo data only)", "./data")
    .option(
      "--port <port>",
      "the hub's port; the schools take the next ones",
      (v) => Number(v),
      3000,
    )
    .action(async (opts: { data: string; port: number }) => {
      if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65000)
        throw new CliError("--port must be a whole number from 1 to 65000");
      const chain = await startDemoChain(opts.data, {
        port: opts.port,
        schoolPorts: [opts.port + 101, opts.port + 102],
        hub: {
          logger: {
            level: process.env.S2S_LOG_LEVEL ?? "warn",
            stream: pino.destination({ dest: 1, sync: false, minLength: 4096 }),
          },
        },
      }).catch((e) => {
        if (e instanceof DatabaseLockedError) throw new CliError(e.message);
        throw e;
      });
      io.out(`S2S demo (demo data only, never real pupils) in ${opts.data}\n\n`);
      io.out(`Hub: ${chain.hub.url}   (API documentation: ${chain.hub.url}/api/docs)\n`);
      printSignIns(io, chain.signIns);
      for (const s of chain.schools) {
        io.out(`\nSchool side of ${s.name} (${s.laestab}): ${s.url}   (API: ${s.url}/api/docs)\n`);
        io.out(`  ${s.username.padEnd(14)} ${s.password}  manager\n`);
        if (s.totpSecret)
          io.out(
            `  ${"".padEnd(14)} second factor: add key ${s.totpSecret} to an authenticator app\n`,
          );
        io.out(`  API token      ${s.apiToken}\n`);
      }
      io.out("\nStop with Ctrl+C.\n");
      await new Promise<void>((resolve) => {
        process.once("SIGINT", () => resolve());
        process.once("SIGTERM", () => resolve());
      });
      io.out("stopping...\n");
      await chain.stop();
    });
}
