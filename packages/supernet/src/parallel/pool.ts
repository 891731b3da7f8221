// Worker threads (thread.ts) and their requests. A thread keeps the process alive only while a request of it is in
// flight, so a trainer nobody disposed never holds a finished process open. A thread that dies (an uncaught error,
// an exit) fails its requests and every later one: the owner then makes a new pool.
import { Worker } from "node:worker_threads";
import type { Reply, Request } from "./protocol";

const ENTRY = new URL("./thread.mjs", import.meta.url);

interface Thread {
  worker: Worker;
  pending: Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>;
  failure?: Error;
  exited?: boolean;
}

export class ThreadPool {
  private readonly threads: Thread[];
  private nextId = 0;
  private stopped = false;
  /** Resolves when every thread has exited. */
  readonly exited: Promise<void>;

  constructor(count: number) {
    this.threads = Array.from({ length: count }, () => this.spawn());
    this.exited = Promise.all(
      this.threads.map((t) => new Promise<void>((resolve) => t.worker.once("exit", () => resolve()))),
    ).then(() => {});
  }

  get size(): number {
    return this.threads.length;
  }

  /** Threads that have not exited yet. */
  get alive(): number {
    return this.threads.filter((t) => !t.exited).length;
  }

  /** Whether a thread has died: its requests and every later one fail. */
  get broken(): boolean {
    return this.threads.some((t) => t.failure);
  }

  request<T>(index: number, request: Request, transfer: ArrayBuffer[] = []): Promise<T> {
    const thread = this.threads[index];
    if (!thread) throw new Error(`no thread ${index}`);
    if (this.stopped) return Promise.reject(new Error("the threads were stopped"));
    if (thread.failure) return Promise.reject(thread.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      thread.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      thread.worker.ref();
      thread.worker.postMessage({ id, request }, transfer);
    });
  }

  /** The same request to every thread. */
  all<T>(request: Request): Promise<T[]> {
    return Promise.all(this.threads.map((_, i) => this.request<T>(i, request)));
  }

  /** Stops every thread; requests in flight are rejected. */
  async dispose(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      for (const t of this.threads) this.fail(t, new Error("the threads were stopped"));
      await Promise.all(this.threads.map((t) => t.worker.terminate()));
    }
    await this.exited;
  }

  private spawn(): Thread {
    // No flags of this thread's (a loader, an inspector): the entry registers what it needs.
    const worker = new Worker(ENTRY, { execArgv: [] });
    const thread: Thread = { worker, pending: new Map() };
    worker.unref();
    worker.on("message", (reply: Reply) => {
      const pending = thread.pending.get(reply.id);
      if (!pending) return;
      thread.pending.delete(reply.id);
      if (thread.pending.size === 0) worker.unref();
      if (reply.ok) pending.resolve(reply.value);
      else {
        const error = new Error(reply.message);
        if (reply.stack) error.stack = reply.stack;
        pending.reject(error);
      }
    });
    worker.on("error", (error) => this.fail(thread, new Error(`a worker thread failed: ${error.message}`)));
    worker.on("exit", (code) => {
      thread.exited = true;
      if (!this.stopped) this.fail(thread, new Error(`a worker thread exited with code ${code}`));
    });
    return thread;
  }

  private fail(thread: Thread, error: Error) {
    thread.failure ??= error;
    for (const { reject } of thread.pending.values()) reject(thread.failure);
    thread.pending.clear();
    thread.worker.unref();
  }
}
