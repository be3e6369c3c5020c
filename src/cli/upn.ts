import type { Command } from "commander";
import { checkUpn, describeUpnProblem } from "../ctf/upn.js";
import type { CliIo } from "./io.js";

export function upnCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const upn = program.command("upn").description("Unique Pupil Numbers");
  upn
    .command("check")
    .description("check UPNs' check letters; exits 1 if any is invalid")
    .argument("<upn...>", "one or more UPNs")
    .option("--json", "one JSON object per UPN")
    .action((upns: string[], opts: { json?: boolean }) => {
      let bad = 0;
      for (const value of upns) {
        const c = checkUpn(value);
        if (!c.valid) bad++;
        if (opts.json) io.out(`${JSON.stringify(c)}\n`);
        else if (c.valid) io.out(`${c.upn}: valid${c.temporary ? " (temporary)" : ""}\n`);
        else io.out(`${c.upn}: invalid: ${describeUpnProblem(c)}\n`);
      }
      setExit(bad > 0 ? 1 : 0);
    });
}
