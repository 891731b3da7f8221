// How a search's child process ended without reporting a result, and that in words. Its own file, apart from the
// restarts (search-process-restarts.ts) that react to it, so search-process.ts can raise it without importing the
// restart logic, which itself needs search-process.ts's SearchProcess: no import circle between the two.
import type { MemoryReport } from "./search-child-protocol";

export class SearchProcessExit extends Error {
  constructor(
    readonly signal: NodeJS.Signals | null,
    readonly code: number | null,
    /** The process's last memory report, when it sent one. */
    readonly memory: MemoryReport | undefined,
  ) {
    super(`search process exited (${signal ?? `code ${code}`}) before reporting a result`);
    this.name = "SearchProcessExit";
  }
}

const MIB = 1024 * 1024;

/** `killed (SIGKILL), last seen using 812 MiB (peak 840 MiB)`: what happened to the process, in words. */
export function describeExit(exit: SearchProcessExit): string {
  let what: string;
  // 134 and 137 are how a shell or a supervisor reports SIGABRT and SIGKILL of a process it ran.
  if (exit.signal === "SIGABRT" || exit.code === 134) what = "out of memory or aborted (SIGABRT)";
  else if (exit.signal === "SIGKILL" || exit.code === 137) what = "killed (SIGKILL)";
  else if (exit.signal) what = `killed (${exit.signal})`;
  else what = `exited with code ${exit.code}`;
  if (exit.memory) {
    const rss = Math.round(exit.memory.rss / MIB);
    const peak = Math.round(exit.memory.peakRss / MIB);
    what += `, last seen using ${rss} MiB (peak ${peak} MiB)`;
  }
  return what;
}
