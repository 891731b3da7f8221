// `nas macs <arch.json>`: the exact MACs and parameters of a vit-arch/v1 architecture, as one JSON line.
import { countArch, formatIssues, validateArch } from "@vitnas/formats";
import type { Command } from "commander";
import type { SetExit } from "../command";
import { BAD_INPUT, readJsonDocument } from "./validate";

export function register(program: Command, setExit: SetExit): void {
  program
    .command("macs")
    .description('print {"macs": <int>, "params": <int>} for a vit-arch/v1 architecture (docs/model-conventions.md)')
    .argument("<arch.json>", "architecture document (- for standard input)")
    .action(async (file: string) => {
      const read = await readJsonDocument(file);
      if ("error" in read) {
        process.stderr.write(`${read.error}\n`);
        return setExit(BAD_INPUT);
      }
      const result = validateArch(read.doc);
      if (!result.ok) {
        process.stderr.write(`${file}: invalid vit-arch/v1 architecture\n${formatIssues(result.errors)}\n`);
        return setExit(BAD_INPUT);
      }
      const { macs, params } = countArch(result.value);
      process.stdout.write(`{"macs": ${macs}, "params": ${params}}\n`);
    });
}
