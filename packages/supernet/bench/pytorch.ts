// The PyTorch anchor: bench/reference/torch_step.py runs the bench's fixed training step in Debian's python3-torch
// and answers one request a line, so its steps can be timed between the product's own. Without /usr/bin/python3 or
// torch, `start` says why and the bench skips the anchor with that note.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface, type Interface } from "node:readline";

const PYTHON = process.env.BENCH_PYTHON ?? "/usr/bin/python3";
const SCRIPT = join(import.meta.dirname, "../../../bench/reference/torch_step.py");

export interface TorchReady {
  torch: string;
  /** The BLAS library torch loaded: with the reference implementation PyTorch's matmuls run over ten times slower. */
  blas: string;
  params: number;
}

export class TorchStep {
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly reader: Interface,
    private readonly lines: AsyncIterator<string>,
    readonly ready: TorchReady,
  ) {}

  /** The running script, or the reason it cannot run here. */
  static async start(args: string[] = []): Promise<TorchStep | string> {
    if (!existsSync(PYTHON)) return `no ${PYTHON}`;
    const child = spawn(PYTHON, [SCRIPT, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const spawned = await new Promise<Error | undefined>((resolve) => {
      child.once("spawn", () => resolve(undefined));
      child.once("error", resolve);
    });
    if (spawned) return `${PYTHON}: ${spawned.message}`;
    const reader = createInterface({ input: child.stdout });
    const lines = reader[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) {
      const last = stderr.trim().split("\n").at(-1) ?? "";
      return `${PYTHON} ${SCRIPT} exited before it was ready${last ? `: ${last}` : ""} (python3-torch installed?)`;
    }
    const ready = JSON.parse(first.value) as TorchReady;
    return new TorchStep(child, reader, lines, ready);
  }

  private async request<T>(line: string): Promise<T> {
    this.child.stdin.write(`${line}\n`);
    const next = await this.lines.next();
    if (next.done) throw new Error(`torch_step.py exited while answering "${line}"`);
    const answer = JSON.parse(next.value) as T & { error?: string };
    if (answer.error) throw new Error(`torch_step.py: ${answer.error}`);
    return answer;
  }

  /** Wall seconds of one training step on `threads` intra-op threads. */
  async step(threads: number): Promise<number> {
    return (await this.request<{ seconds: number }>(`step ${threads}`)).seconds;
  }

  /** FLOP/s of a 512x512 matmul burst on `threads` threads. */
  async matmul(threads: number): Promise<number> {
    return (await this.request<{ gflops: number }>(`matmul ${threads}`)).gflops * 1e9;
  }

  async close() {
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.stdin.end("quit\n");
    this.reader.close();
    await exited;
  }
}
