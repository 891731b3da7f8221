// The `nas` command: one sub-command per file under commands/, each registering itself on the program.
import { Command, CommanderError } from "commander";

export async function main(argv: string[]): Promise<number> {
  const program = new Command("nas")
    .description("Neural architecture search for efficient Vision Transformers")
    .exitOverride()
    .showHelpAfterError();
  let exitCode = 0;
  const setExit = (code: number) => {
    exitCode = code;
  };
  const commands = await Promise.all([
    // Each module exports `register(program, setExit)`.
  ]);
  for (const mod of commands as { register: (p: Command, setExit: (c: number) => void) => void }[]) {
    mod.register(program, setExit);
  }
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
