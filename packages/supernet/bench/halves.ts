// What the machine's cores give this work, measured on the work itself: the share of a threaded fixed step that
// one worker thread computes (forward and backward of half the batch, from the stem's features), run on one thread
// alone and on every thread at once, alternating. Plain arithmetic scales by the number of cores on an idle
// machine; this work (SIMD matmuls over a working set of megabytes) shares caches and memory bandwidth, so on a
// virtual machine it may not. Two figures follow:
// - the threads' halves at once against one half alone, times the threads: the speed-up the cores allow this work;
// - the one-thread step against the halves at once: what a threaded step could reach with no serial work at all
//   (the stem, the gradients' sum, AdamW and the messages are left out), the ceiling for its speed-up.
import * as tf from "@tensorflow/tfjs";
import type { VitSpace } from "@vitnas/formats";
import { largestSubnet, Supernet } from "../src";
import { ThreadPool } from "../src/parallel/pool";
import type { StepRequest } from "../src/parallel/protocol";
import { WeightWriter } from "../src/parallel/shared-weights";
import { stemForward } from "../src/stem";

export class Halves {
  private constructor(
    private readonly pool: ThreadPool,
    private readonly supernet: Supernet,
    private readonly request: Omit<StepRequest, "features" | "target"> & {
      features: Float32Array;
      target: Float32Array;
    },
  ) {}

  /** Threads holding the fixed space's super-network, and a share of `batch / threads` images for each. */
  static async start(space: VitSpace, batch: number, threads: number, backend: "wasm" | "cpu"): Promise<Halves> {
    const supernet = Supernet.create(space, { seed: 1 });
    const writer = new WeightWriter(supernet);
    writer.write();
    const pool = new ThreadPool(threads);
    await pool.all({
      type: "init",
      backend,
      space,
      seed: 1,
      init: supernet.init,
      attentionWeights: supernet.attentionWeights,
      weights: writer.layout,
    });
    const size = Math.floor(batch / threads);
    const { imageSize, channels, classes } = space.input;
    const images = tf.randomNormal([size, imageSize, imageSize, channels], 0, 1, "float32", 1) as tf.Tensor4D;
    const features = tf.tidy(() => stemForward(space.stem, supernet, images, true).out);
    const [, h, w, c] = features.shape;
    const request = {
      type: "step" as const,
      changed: [],
      segments: [{ arch: largestSubnet(space), from: 0, size }],
      features: Float32Array.from(features.dataSync()),
      featureShape: [size, h, w, c] as [number, number, number, number],
      // One-hot targets: image r of class r mod classes.
      target: Float32Array.from({ length: size * classes }, (_, i) =>
        i % classes === Math.floor(i / classes) % classes ? 1 : 0,
      ),
      batchSize: batch,
      forward: { training: true, castlingBranch: 0 },
      featureGrad: false,
    };
    tf.dispose([images, features]);
    return new Halves(pool, supernet, request);
  }

  /** Seconds of one share on thread 0 alone, then of one share on every thread at once. */
  async round(): Promise<{ alone: number; together: number }> {
    let started = performance.now();
    await this.share(0);
    const alone = (performance.now() - started) / 1000;
    started = performance.now();
    await Promise.all(Array.from({ length: this.pool.size }, (_, k) => this.share(k)));
    return { alone, together: (performance.now() - started) / 1000 };
  }

  private share(thread: number): Promise<unknown> {
    // Each request transfers its own copies: a transferred buffer is gone from this side.
    const features = this.request.features.slice();
    const target = this.request.target.slice();
    return this.pool.request(thread, { ...this.request, features, target }, [features.buffer, target.buffer]);
  }

  async dispose() {
    await this.pool.dispose();
    this.supernet.dispose();
  }
}
