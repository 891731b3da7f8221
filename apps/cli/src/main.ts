// The `nas` command: one sub-command per file under commands/, each exporting `register(program, setExit)`.
import { Command, CommanderError } from "commander";
import type { CommandModule, SetExit } from "./command";

export async function main(argv: string[]): Promise<number> {
  const program = new Command("nas")
    .description("Neural architecture search for efficient Vision Transformers")
    .exitOverride()
    .showHelpAfterError();
  let exitCode = 0;
  const setExit: SetExit = (code) => {
    exitCode = code;
  };
  // One line per command file. Commands load heavy dependencies inside their actions, so `nas macs` stays quick.
  const commands: CommandModule[] = await Promise.all([
    import("./commands/macs"),
    import("./commands/validate"),
    import("./commands/admin"),
    import("./commands/search"),
    import("./commands/eval"),
    import("./commands/predict"),
    import("./commands/train"),
    import("./commands/export"),
    import("./commands/datasets"),
  ]);
  for (const command of commands) command.register(program, setExit);
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; usage errors are bad input.
      return err.exitCode === 0 ? 0 : 2;
    }
    throw err;
  }
  return exitCode;
}
