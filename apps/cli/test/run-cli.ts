// Runs the real `nas` command in a child process, from the repository root.
import { execFile } from "node:child_process";
import { join, resolve } from "node:path";

export const root = resolve(import.meta.dirname, "../../..");
export const fixture = (name: string) => join(root, "packages/formats/test/fixtures", `${name}.json`);

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], bin = join(root, "apps/cli/bin/nas.js")): Promise<CliRun> {
  const command = bin.endsWith(".js") ? process.execPath : bin;
  const argv = bin.endsWith(".js") ? [bin, ...args] : args;
  return new Promise((done) => {
    execFile(command, argv, { cwd: root, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}
