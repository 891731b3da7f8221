// Many candidates evaluated at once, one per thread: `threads` worker threads, each with its own copy of the frozen
// weights (read once from the shared buffer when the threads start) and its own Evaluator over the validation
// split (shared, read-only), take the next candidate when they finish one. A candidate's accuracy is computed
// exactly as one thread computes it (same backend, same batches), so the results are identical; only the order in
// which they finish differs. The main thread only hands out the work: computing there would stall the hand-out.
// Candidates go out most expensive first (by the counter's MACs), the longest-processing-time rule: a generation's
// last candidates are then the cheap ones, so no thread waits long at its end for another's large candidate.
import * as tf from "@tensorflow/tfjs";
import type { ImageSplit } from "@vitnas/datasets";
import { countArch, type VitArch } from "@vitnas/formats";
import type { BackendName } from "../backend";
import { type EvaluateOptions, Evaluator } from "../evaluate";
import type { Supernet } from "../supernet";
import { ThreadPool } from "./pool";
import { WeightWriter } from "./shared-weights";

export interface ParallelEvaluateOptions extends EvaluateOptions {
  /** Worker threads evaluating candidates. */
  threads: number;
}

interface Job {
  arch: VitArch;
  /** MACs per image: the order in which candidates go out. */
  cost: number;
  resolve: (accuracy: number) => void;
  reject: (error: Error) => void;
}

export class ParallelEvaluator {
  private pool?: ThreadPool;
  private starting?: Promise<void>;
  /** Counts starts and disposals: a start that a disposal overtook stops its own threads. */
  private generation = 0;
  private free: number[] = [];
  private readonly queue: Job[] = [];
  private shared?: { images: Float32Array; labels: Int32Array; count: number };
  private scheduled = false;

  constructor(
    readonly supernet: Supernet,
    readonly split: ImageSplit,
    readonly options: ParallelEvaluateOptions,
  ) {
    if (!Number.isInteger(options.threads) || options.threads < 1) {
      throw new Error(`threads must be a whole number >= 1, not ${options.threads}`);
    }
    // The same checks of the split as one thread's.
    new Evaluator(supernet, split, options).dispose();
  }

  /** Top-1 accuracy (0..1) of `arch` on the split; call it for many candidates before awaiting any. */
  accuracy(arch: VitArch): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ arch, cost: countArch(arch).macs, resolve, reject });
      // Hand out after the caller's other requests of this turn have arrived, so the order covers them all.
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.pump();
      });
    });
  }

  /** Stops the threads and fails the candidates not yet evaluated (call when the weights change or when done). */
  async dispose(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    this.starting = undefined;
    this.generation++;
    this.free = [];
    for (const job of this.queue.splice(0)) job.reject(new Error("the evaluator was disposed"));
    await pool?.dispose();
  }

  private pump() {
    if (!this.pool) {
      this.starting ??= this.start();
      return;
    }
    const pool = this.pool;
    this.queue.sort((a, b) => b.cost - a.cost);
    while (this.free.length > 0 && this.queue.length > 0) {
      const thread = this.free.shift()!;
      const job = this.queue.shift()!;
      pool
        .request<number>(thread, { type: "accuracy", arch: job.arch })
        .then(job.resolve, job.reject)
        .finally(() => {
          if (this.pool !== pool) return;
          this.free.push(thread);
          this.pump();
        });
    }
  }

  /** Threads with the weights as they are now and the split. */
  private async start(): Promise<void> {
    const { supernet, split, options } = this;
    const generation = ++this.generation;
    const pool = new ThreadPool(options.threads);
    try {
      const writer = new WeightWriter(supernet);
      writer.write();
      await pool.all({
        type: "init",
        backend: tf.getBackend() as BackendName,
        space: supernet.space,
        seed: supernet.seed,
        init: supernet.init,
        attentionWeights: supernet.attentionWeights,
        tokenWeights: supernet.tokenWeights,
        weights: writer.layout,
      });
      const shared = this.sharedSplit();
      await pool.all({
        type: "split",
        ...shared,
        imageSize: split.imageSize,
        channels: split.channels,
        classes: split.classes,
        // The stem-feature budget is the whole evaluator's, as with one thread.
        options: { ...options, cacheBytes: Math.floor((options.cacheBytes ?? 256 * 2 ** 20) / options.threads) },
      });
    } catch (error) {
      await pool.dispose();
      if (generation === this.generation) {
        this.starting = undefined;
        for (const job of this.queue.splice(0)) job.reject(error as Error);
      }
      return;
    }
    if (generation !== this.generation) {
      await pool.dispose();
      return;
    }
    this.pool = pool;
    this.free = Array.from({ length: pool.size }, (_, i) => i);
    this.pump();
  }

  /** The images evaluated, in shared memory (copied once, kept across restarts). */
  private sharedSplit() {
    if (!this.shared) {
      const { split, options } = this;
      const count = Math.min(split.count, options.limit ?? split.count);
      const per = split.imageSize * split.imageSize * split.channels;
      const images = new Float32Array(new SharedArrayBuffer(count * per * 4));
      images.set(split.images.subarray(0, count * per));
      const labels = new Int32Array(new SharedArrayBuffer(count * 4));
      labels.set(split.labels.subarray(0, count));
      this.shared = { images, labels, count };
    }
    return this.shared;
  }
}
