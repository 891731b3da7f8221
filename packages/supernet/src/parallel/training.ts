// Data-parallel training steps: the main thread and `threads - 1` worker threads each take a share of the step's
// batch (split.ts), compute the gradient of their part of the loss (share.ts) on a copy of the same weights, and the
// main thread sums the parts in a fixed order, so a step equals the one-thread step up to float rounding and one
// optimizer on the main thread updates the one set of weights.
//
// The stem runs on the main thread, once, on the whole batch: its batch norm normalises every image by the whole
// batch's statistics, so a stem per thread would normalise by its own share's and compute another function. The
// shares start from its output; each thread returns the gradient of its features, and the main thread runs the
// stem's backward pass (its forward pass again, under the tape) with them, so the stem's gradients, the batch
// statistics and the running averages are exactly those of one pass over the whole batch.
import * as tf from "@tensorflow/tfjs";
import type { VitArch } from "@vitnas/formats";
import type { BackendName } from "../backend";
import { gradients } from "../backward";
import type { ForwardOptions } from "../model";
import { type BatchStats, stemForward, stemWeights } from "../stem";
import type { Supernet } from "../supernet";
import { ThreadPool } from "./pool";
import type { StepReply } from "./protocol";
import { type ShareGradients, shareGradients } from "./share";
import { WeightWriter } from "./shared-weights";
import { splitBatch } from "./split";

export interface StepGradients {
  /** The step's loss (the sum of the shares'). */
  value: tf.Scalar;
  /** By variable name, as tf.variableGrads gives them. */
  grads: Record<string, tf.Tensor>;
  /** The stem's batch statistics over the whole batch. */
  stats: BatchStats[];
}

export class TrainingThreads {
  private pool?: ThreadPool;
  /** Every pool started, until its threads have exited. */
  private readonly pools = new Set<ThreadPool>();
  private writer?: WeightWriter;
  /** Weights the main thread changed since it last wrote the shared buffer. */
  private unwritten = new Set<string>();
  /** Per worker thread: weights written since it last read them. */
  private stale: Set<string>[] = [];

  constructor(
    readonly supernet: Supernet,
    readonly threads: number,
  ) {
    if (!Number.isInteger(threads) || threads < 1)
      throw new Error(`threads must be a whole number >= 1, not ${threads}`);
  }

  /** Every weight changed (re-ordering moves them all): each thread reads them all before its next share. */
  changedAll() {
    for (const name of this.supernet.variables.keys()) this.unwritten.add(name);
  }

  /**
   * The loss and gradients of one training step over `images` (split into sub-batches of `sizes` for `archs`);
   * `repeat` > 1: the stem's features repeated that many times, as Supernet.forward does.
   */
  async gradients(
    archs: VitArch[],
    sizes: number[],
    images: tf.Tensor4D,
    target: tf.Tensor2D,
    forward: ForwardOptions,
    repeat = 1,
  ): Promise<StepGradients> {
    const { supernet } = this;
    const batch = images.shape[0] * repeat;
    const shares = splitBatch(archs, sizes, this.threads);
    const pool = shares.length > 1 ? await this.ready() : undefined;
    const stemTrained = this.stemWeights.length > 0;

    let names: string[] = [];
    const [out, ...moments] = tf.tidy(() => {
      const pass = stemForward(supernet.space.stem, supernet, images, true);
      names = pass.stats.map((s) => s.name);
      return [repeated(pass.out, repeat), ...pass.stats.flatMap((s) => [s.mean, s.variance])];
    }) as [tf.Tensor4D, ...tf.Tensor[]];
    const stats = names.map((name, i) => ({ name, mean: moments[2 * i]!, variance: moments[2 * i + 1]! }));
    const grads = new Map<string, tf.Tensor>();
    let mine: ShareGradients | undefined;
    let done = false;
    try {
      const requests = pool ? this.dispatch(pool, shares.slice(1), out, target, batch, forward, stemTrained) : [];
      const own = shares[0]!;
      let failure: unknown;
      try {
        const whole = own.size === batch;
        const features = whole ? out : (tf.slice(out, [0, 0, 0, 0], [own.size, -1, -1, -1]) as tf.Tensor4D);
        const part = whole ? target : (tf.slice(target, [0, 0], [own.size, -1]) as tf.Tensor2D);
        try {
          mine = shareGradients(supernet, {
            segments: own.segments,
            features,
            target: part,
            batchSize: batch,
            forward,
            featureGrad: stemTrained,
          });
        } finally {
          if (!whole) tf.dispose([features, part]);
        }
      } catch (error) {
        failure = error;
      }
      // Every thread's answer before going on: a failed step leaves no thread working on it.
      const settled = await Promise.allSettled(requests);
      if (failure) throw failure;
      const rejected = settled.find((s) => s.status === "rejected");
      if (rejected) throw (rejected as PromiseRejectedResult).reason;
      const replies = settled.map((s) => (s as PromiseFulfilledResult<StepReply>).value);

      let loss = mine!.loss.dataSync()[0]!;
      for (const [name, g] of mine!.grads) grads.set(name, g);
      mine!.grads.clear();
      for (const reply of replies) {
        loss += reply.loss;
        reply.names.forEach((name, i) => {
          const part = tf.tensor(reply.grads[i]!, supernet.variables.get(name)!.shape, "float32");
          const before = grads.get(name);
          if (!before) grads.set(name, part);
          else {
            grads.set(name, tf.add(before, part));
            tf.dispose([before, part]);
          }
        });
      }
      if (stemTrained) this.stemGradients(images, repeat, mine!.features!, replies, shares, out.shape, grads);
      for (const name of grads.keys()) this.unwritten.add(name);
      const byVariable: Record<string, tf.Tensor> = {};
      for (const [name, g] of grads) byVariable[supernet.variables.get(name)!.name] = g;
      done = true;
      return { value: tf.scalar(loss), grads: byVariable, stats };
    } finally {
      if (out !== images) out.dispose();
      if (mine) tf.dispose([mine.loss, ...mine.grads.values(), ...(mine.features ? [mine.features] : [])]);
      if (!done) tf.dispose([...grads.values(), ...moments]);
    }
  }

  /** The stem's trainable weights: the main thread computes their gradients. */
  private get stemWeights(): string[] {
    const { space } = this.supernet;
    return stemWeights(space.stem, space.input.channels)
      .specs.filter((s) => s.trainable)
      .map((s) => s.name);
  }

  /** Tensors each worker thread's engine holds (for leak checks); empty before the first threaded step. */
  async memory(): Promise<number[]> {
    return this.pool ? this.pool.all<number>({ type: "memory" }) : [];
  }

  /** Worker threads running now. */
  get alive(): number {
    return [...this.pools].reduce((n, p) => n + p.alive, 0);
  }

  /** Stops the worker threads and resolves once they have exited (a later step starts new ones). */
  async dispose(): Promise<void> {
    this.pool = undefined;
    await Promise.all([...this.pools].map((p) => p.dispose()));
  }

  /** The worker threads, started (or started again after one died) with every weight. */
  private async ready(): Promise<ThreadPool> {
    if (this.pool && !this.pool.broken) return this.pool;
    await this.dispose();
    const pool = new ThreadPool(this.threads - 1);
    this.pools.add(pool);
    void pool.exited.then(() => this.pools.delete(pool));
    const writer = new WeightWriter(this.supernet);
    writer.write();
    const { supernet } = this;
    try {
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
    } catch (error) {
      await pool.dispose();
      throw error;
    }
    this.pool = pool;
    this.writer = writer;
    this.unwritten.clear();
    this.stale = Array.from({ length: pool.size }, () => new Set());
    return pool;
  }

  /** Hands shares 1.. to the worker threads, after writing the weights that changed. */
  private dispatch(
    pool: ThreadPool,
    shares: ReturnType<typeof splitBatch>,
    out: tf.Tensor4D,
    target: tf.Tensor2D,
    batch: number,
    forward: ForwardOptions,
    featureGrad: boolean,
  ): Promise<StepReply>[] {
    this.writer!.write(this.unwritten);
    for (const stale of this.stale) for (const name of this.unwritten) stale.add(name);
    this.unwritten.clear();
    const features = out.dataSync() as Float32Array;
    const targets = target.dataSync() as Float32Array;
    const [, h, w, c] = out.shape;
    const per = h * w * c;
    const classes = target.shape[1];
    return shares.map((share, k) => {
      const changed = [...this.stale[k]!];
      this.stale[k]!.clear();
      const f = features.slice(share.from * per, (share.from + share.size) * per);
      const t = targets.slice(share.from * classes, (share.from + share.size) * classes);
      const request = pool.request<StepReply>(
        k,
        {
          type: "step",
          changed,
          segments: share.segments,
          features: f,
          featureShape: [share.size, h, w, c],
          target: t,
          batchSize: batch,
          forward,
          featureGrad,
        },
        [f.buffer, t.buffer],
      );
      // A thread that failed may not have read them: it reads them again with its next share.
      request.catch(() => {
        for (const name of changed) this.stale[k]?.add(name);
      });
      return request;
    });
  }

  /** The stem's gradients from every share's feature gradients, in batch order. */
  private stemGradients(
    images: tf.Tensor4D,
    repeat: number,
    own: tf.Tensor4D,
    replies: StepReply[],
    shares: ReturnType<typeof splitBatch>,
    shape: number[],
    grads: Map<string, tf.Tensor>,
  ) {
    const { supernet } = this;
    const [, h, w, c] = shape as [number, number, number, number];
    const dy = tf.tidy(() =>
      tf.concat([own, ...replies.map((r, k) => tf.tensor4d(r.features!, [shares[k + 1]!.size, h, w, c]))], 0),
    );
    const stem = this.stemWeights;
    try {
      const { grads: found } = gradients(
        () => repeated(stemForward(supernet.space.stem, supernet, images, true).out, repeat),
        stem.map((name) => supernet.variables.get(name)!),
        dy,
        false,
      );
      found.forEach((g, i) => {
        if (g) grads.set(stem[i]!, g);
      });
    } finally {
      dy.dispose();
    }
  }
}

/** Stem features repeated `times` along the batch (every sub-network reads the same images). */
function repeated(features: tf.Tensor4D, times: number): tf.Tensor4D {
  return times > 1 ? (tf.tile(features, [times, 1, 1, 1]) as tf.Tensor4D) : features;
}
