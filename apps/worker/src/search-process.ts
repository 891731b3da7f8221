// Runs one search in a child process (search-child.ts) and adapts it back to a promise with callbacks.
import { type ChildProcess, fork } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { CandidateRecord, ProgressEvent, SearchResult, TrainedSupernet } from "@vitnas/pipeline";
import type { SelfTestResult } from "@vitnas/supernet";
import type { ChildMessage, MemoryReport, SelfTestMessage, StartMessage } from "./search-child-protocol";
import { SearchProcessExit } from "./search-process-exit";

export interface SearchProcessHandlers {
  onProgress: (event: ProgressEvent) => void;
  onCandidate: (candidate: CandidateRecord) => void;
  /** The search's own super-network training has ended (docs/supernet-reuse.md). */
  onSupernet?: (supernet: TrainedSupernet) => void;
}

export interface SearchProcess {
  /**
   * Resolves with the result; rejects with the child's error (its name kept, "AbortError" after an abort), or with a
   * SearchProcessExit when the process ended without reporting one (killed, out of memory).
   */
  done: Promise<SearchResult>;
  /** Asks the search to checkpoint and stop; `done` then rejects with an AbortError. */
  abort(reason: string): void;
  pid: number | undefined;
}

const childEntry = fileURLToPath(new URL("./search-child.ts", import.meta.url));
// The child is TypeScript too: load tsx's hooks by absolute URL so the child works from any working directory.
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

export class SearchProcessError extends Error {
  constructor(name: string, message: string, stack?: string) {
    super(message);
    this.name = name;
    if (stack) this.stack = stack;
  }
}

function forkChild(): ChildProcess {
  return fork(childEntry, [], {
    execArgv: ["--import", tsxLoader],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    // TensorFlow claims nearly all GPU memory at start unless told to grow: searches sharing a GPU
    // (WORKER_CONCURRENCY > 1) would fail to start. An explicit setting in the environment wins.
    env: { TF_FORCE_GPU_ALLOW_GROWTH: "true", ...process.env },
  });
}

/** Runs the backend self-test in a child process; a test that cannot run or hangs is reported as failed. */
export function runSelfTest(request: Omit<SelfTestMessage, "type">, timeoutMs = 300_000): Promise<SelfTestResult> {
  const child = forkChild();
  const started = performance.now();
  const failed = (error: string): SelfTestResult => ({
    backend: request.backend ?? "unknown",
    device: "unknown",
    ms: performance.now() - started,
    ok: false,
    error,
  });
  return new Promise<SelfTestResult>((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve(failed(`self-test did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on("message", (message: ChildMessage) => {
      if (message.type !== "self-test") return;
      clearTimeout(timer);
      resolve(message.result);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve(failed(`self-test process exited (${signal ?? `code ${code}`}) without a result`));
    });
    child.send({ type: "self-test", ...request } satisfies SelfTestMessage);
  });
}

export function startSearchProcess(start: Omit<StartMessage, "type">, handlers: SearchProcessHandlers): SearchProcess {
  const child = forkChild();
  let settled = false;
  let memory: MemoryReport | undefined;
  const done = new Promise<SearchResult>((resolve, reject) => {
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    child.on("message", (message: ChildMessage) => {
      switch (message.type) {
        case "progress":
          handlers.onProgress(message.event);
          break;
        case "candidate":
          handlers.onCandidate(message.candidate);
          break;
        case "supernet":
          handlers.onSupernet?.(message.supernet);
          break;
        case "done":
          settled = true;
          resolve(message.result);
          break;
        case "failed":
          fail(new SearchProcessError(message.name, message.message, message.stack));
          break;
        case "memory":
          memory = { rss: message.rss, peakRss: message.peakRss };
          break;
      }
    });
    child.on("error", (err) => fail(new Error(`search process: ${err.message}`)));
    // "close" comes after every message of the IPC channel was delivered, unlike "exit".
    child.on("close", (code, signal) => fail(new SearchProcessExit(signal, code, memory)));
  });
  child.send({ type: "start", ...start } satisfies StartMessage);
  return {
    done,
    pid: child.pid,
    abort(reason) {
      if (child.connected) child.send({ type: "abort", reason });
    },
  };
}
