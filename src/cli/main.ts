import { processIo } from "./io.js";
import { runCli } from "./program.js";

// A reader that stops early (`s2s ctf generate | head`) closes the pipe: the output is no longer
// wanted, which is no error, so the command ends quietly as Unix tools do.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

process.exitCode = await runCli(process.argv.slice(2), processIo);
