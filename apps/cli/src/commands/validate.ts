// `nas validate <file>`: detects the document's format from its `format` field and validates it.
import { readFile } from "node:fs/promises";
import { formatIssues, validateDocument } from "@vitnas/formats";
import type { Command } from "commander";
import type { SetExit } from "../command";

/** Exit status for a bad input document (unreadable, not JSON, invalid). */
export const BAD_INPUT = 2;

/** The parsed JSON of `file` (`-` reads standard input), or a message saying why there is none. */
export async function readJsonDocument(file: string): Promise<{ doc: unknown } | { error: string }> {
  let text: string;
  try {
    text = file === "-" ? await readStdin() : await readFile(file, "utf8");
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const reason = e.code === "ENOENT" ? "no such file" : e.code === "EISDIR" ? "is a directory" : e.message;
    return { error: `cannot read ${file}: ${reason}` };
  }
  try {
    return { doc: JSON.parse(text) };
  } catch (err) {
    return { error: `${file} is not valid JSON: ${(err as Error).message}` };
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export function register(program: Command, setExit: SetExit): void {
  program
    .command("validate")
    .description("validate a vit-arch/v1, vit-space/v1 or nas-search/v1 document; prints ok or the problems")
    .argument("<file>", "JSON document (- for standard input)")
    .action(async (file: string) => {
      const read = await readJsonDocument(file);
      if ("error" in read) {
        process.stderr.write(`${read.error}\n`);
        return setExit(BAD_INPUT);
      }
      const { format, result } = validateDocument(read.doc);
      if (result.ok) {
        process.stdout.write("ok\n");
        return;
      }
      process.stderr.write(`${file}: invalid ${format ?? "document"}\n${formatIssues(result.errors)}\n`);
      setExit(BAD_INPUT);
    });
}
