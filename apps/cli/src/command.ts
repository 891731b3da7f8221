// What a command file under commands/ gives main.ts: `register(program, setExit)`. Its own file, so the commands and
// main.ts, which loads them, do not import each other.
import type { Command } from "commander";

export type SetExit = (code: number) => void;
export interface CommandModule {
  register(program: Command, setExit: SetExit): void;
}
