// How many threads a training step and a generation's evaluation use: NAS_THREADS, else every core this process
// may use. Each thread runs its own copy of the tfjs backend (wasm, cpu), which computes on one core.
import { availableParallelism } from "node:os";

export function threadsFromEnv(env: NodeJS.ProcessEnv = process.env, backend?: string): number {
  const raw = env.NAS_THREADS?.trim();
  if (raw) {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`NAS_THREADS must be a whole number of at least 1, not "${raw}"`);
    return n;
  }
  // libtensorflow already spreads every kernel over the cores (or runs on the GPU): more threads would only compete.
  if (backend === "tensorflow") return 1;
  return availableParallelism();
}
