/** The `s2s` command line: thin shells over the modules, so scripts can rely on exit codes. */
import { Command, CommanderError } from "commander";
import { CliError, type CliIo } from "./io.js";

type AddCommands = (program: Command, io: CliIo, setExit: (code: number) => void) => void;

/**
 * Each command group, loaded only when it runs: the hub and the school side bring a database,
 * a web server and a job queue with them (a second and more to load), which `s2s sync`, run
 * every few minutes by a scheduler, and `s2s ctf` need none of.
 */
const GROUPS: Record<string, () => Promise<AddCommands>> = {
  ctf: async () => (await import("./ctf.js")).ctfCommands,
  upn: async () => (await import("./upn.js")).upnCommands,
  hub: async () => (await import("./hub.js")).hubCommands,
  mis: async () => (await import("./mis.js")).misCommands,
  school: async () => (await import("./mis.js")).misCommands,
  sync: async () => (await import("./sync.js")).syncCommands,
  demo: async () => (await import("./demo.js")).demoCommand,
};

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
  // The group named first, or every group when none is (the overall help, or a mistyped name).
  const first = argv[0];
  const groups = first !== undefined && first in GROUPS ? [first] : Object.keys(GROUPS);
  const loaded = new Set<AddCommands>();
  for (const name of groups) {
    const add = await (GROUPS[name] as () => Promise<AddCommands>)();
    if (loaded.has(add)) continue;
    loaded.add(add);
    add(program, io, setExit);
  }
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
