/** What every command that opens an app's data shares: its settings, and what stops it. */

import type { DemoSignIn } from "../hub/demo.js";
import { ConfigError } from "../platform/config.js";
import { DatabaseLockedError } from "../platform/db/database.js";
import { NewerDatabaseError } from "../platform/db/migrate.js";
import { AppError } from "../platform/errors.js";
import type { Logger } from "../platform/jobs/queue.js";
import { MasterKeyMissingError } from "../platform/store/master-key.js";
import { CliError, type CliIo } from "./io.js";

/** An app's settings from the environment, with `--data` and `--port` over them. */
export function settingsFrom<C>(
  opts: { data?: string; port?: number },
  read: (overrides: { dataDir?: string; port?: number }) => C,
): C {
  if (
    opts.port !== undefined &&
    !(Number.isInteger(opts.port) && opts.port >= 0 && opts.port <= 65535)
  )
    throw new CliError("--port must be a whole number from 0 to 65535");
  try {
    return read({
      ...(opts.data ? { dataDir: opts.data } : {}),
      ...(opts.port !== undefined ? { port: opts.port } : {}),
    });
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(`configuration: ${e.message}`);
    throw e;
  }
}

/**
 * What stops a command, said as the user can act on it: a locked or newer database and a
 * missing key are usage problems (exit 2); a refusal of the operation itself exits 1.
 */
export function plainly(e: unknown): never {
  if (
    e instanceof DatabaseLockedError ||
    e instanceof NewerDatabaseError ||
    e instanceof MasterKeyMissingError
  )
    throw new CliError(e.message);
  if (e instanceof AppError) throw new CliError(e.message, 1);
  throw e;
}

/** The demo's hub sign-ins, one line each, with the authenticator key where one is needed. */
export function printSignIns(io: CliIo, signIns: DemoSignIn[]): void {
  for (const d of signIns)
    io.out(
      `  ${d.username.padEnd(14)} ${d.password}  ${d.role.padEnd(6)} ${d.organisation}\n` +
        (d.totpSecret
          ? `  ${"".padEnd(14)} second factor: add key ${d.totpSecret} to an authenticator app\n`
          : ""),
    );
}

/** Background work's failures, one line each on standard error: ids and codes, no pupil data. */
export function stderrLog(io: CliIo): Logger {
  return { error: (o, m) => io.err(`${m ?? ""} ${JSON.stringify(o)}\n`), info: () => {} };
}
