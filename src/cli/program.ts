/** The `s2s` command line: thin shells over the modules, so scripts can rely on exit codes. */
import { Command, CommanderError } from "commander";
import { ctfCommands } from "./ctf.js";
import { demoCommand } from "./demo.js";
import { hubCommands } from "./hub.js";
import { CliError, type CliIo } from "./io.js";
import { misCommands } from "./mis.js";
import { syncCommands } from "./sync.js";
import { upnCommands } from "./upn.js";

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const setExit = (code: number) => {
    exitCode = Math.max(exitCode, code);
  };
  const program = new Command("s2s")
    .description("S2S: secure school-to-school transfer of Common Transfer Files")
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError("(run with --help for usage)");
  ctfCommands(program, io, setExit);
  upnCommands(program, io, setExit);
  hubCommands(program, io, setExit);
  misCommands(program, io, setExit);
  syncCommands(program, io, setExit);
  demoCommand(program, io);
  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are not failures; every other parse problem is a usage error.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof CliError) {
      io.err(`s2s: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}
