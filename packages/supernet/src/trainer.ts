// Super-network training: each step samples `archsPerStep` sub-networks, splits the batch between them, runs them
// in one forward pass with one loss (mean label-smoothed cross-entropy over the whole batch), one backward pass and
// one AdamW step. With the sandwich rule the first two are the largest and the smallest sub-network, and with
// in-place distillation the others also learn the largest one's predictions (docs/training-recipe.md).
// Data order, augmentation and sampling are seeded, so a run on `cpu` is reproducible, and resuming
// from a checkpoint continues exactly where it stopped.
import * as tf from "@tensorflow/tfjs";
import type { ImageSplit } from "@vitnas/datasets";
import type { AugmentSpec, SupernetSpec, VitArch } from "@vitnas/formats";
import { AdamW } from "./adamw";
import { augmentBatch, flipImages, gatherBatch, shiftPixels } from "./augment";
import { variableGrads } from "./backward";
import { forkAttentionTypes } from "./fork";
import { TrainingThreads } from "./parallel/training";
import { Random } from "./random";
import { rewire } from "./rewire";
import { ArchSampler } from "./sampler";
import { castlingBranchWeight, learningRate } from "./schedule";
import type { ShrinkRecord } from "./shrink";
import { BATCH_NORM_MOMENTUM, type BatchStats } from "./stem";
import type { Supernet } from "./supernet";

/** The training recipe: the `supernet` section of a `nas-search/v1` job (SupernetSpec), minus checkpointing. */
export type TrainConfig = Omit<SupernetSpec, "checkpointEverySteps" | Optional> & Partial<Pick<SupernetSpec, Optional>>;
/** Recipe fields added after the first checkpoints were written: absent in those, with the old behaviour. */
type Optional =
  | "init"
  | "augment"
  | "attentionWeights"
  | "tokenWeights"
  | "attentionWarmupEpochs"
  | "archBatch"
  | "sandwich"
  | "distill"
  | "castlingBranch"
  | "attentionShrink";

export interface TrainerOptions {
  /** Seeds data order, augmentation and architecture sampling. */
  seed: number;
  /** false: no augmentation whatever the recipe says (default: the recipe's `augment`). */
  augment?: boolean;
  /** Train this one architecture instead of sampling sub-networks (stand-alone training, `nas train`). */
  arch?: VitArch;
  /** Re-order MLP units and heads by importance after each candidate warm-up epoch (default true). */
  rewire?: boolean;
  /** Activation recomputation (ForwardOptions.recompute); default: on for stages of 256 tokens or more. */
  recompute?: boolean;
  /**
   * Threads sharing each step's batch (parallel/training.ts), this one included; default 1. The same weights up to
   * float rounding whatever the count, so checkpoints do not record it and resume with any.
   */
  threads?: number;
}

export interface StepReport {
  /** Steps done so far (1 after the first step). */
  step: number;
  totalSteps: number;
  /** Epoch (0-based) the step belonged to. */
  epoch: number;
  epochs: number;
  loss: number;
  imagesPerSec: number;
  learningRate: number;
  archs: VitArch[];
}

export interface TrainRunOptions {
  onStep?: (report: StepReport) => void;
  /** Checked before every step: training stops within one step and rejects with an AbortError. */
  signal?: AbortSignal;
}

export class Trainer {
  readonly optimizer = new AdamW();
  readonly sampler: ArchSampler;
  readonly stepsPerEpoch: number;
  /** Steps done. */
  step = 0;
  /** The space shrinking's scores and decision, once made (shrink.ts); the sampler holds the kept types. */
  shrink?: ShrinkRecord;
  /** The worker threads' side of a step, with more than one thread. */
  readonly parallel?: TrainingThreads;
  private order?: { epoch: number; items: number[] };

  constructor(
    readonly supernet: Supernet,
    readonly data: ImageSplit,
    readonly config: TrainConfig,
    readonly options: TrainerOptions,
  ) {
    const { space } = supernet;
    if (data.imageSize !== space.input.imageSize || data.channels !== space.input.channels) {
      throw new Error(
        `data are ${data.imageSize}px x ${data.channels} channels, the space wants ${space.input.imageSize}px x ${space.input.channels}`,
      );
    }
    if (data.classes > space.input.classes)
      throw new Error(`data have ${data.classes} classes, the space ${space.input.classes}`);
    if (config.batchSize < 1 || config.archsPerStep < 1 || config.epochs < 1) {
      throw new Error("batchSize, archsPerStep and epochs must be at least 1");
    }
    this.stepsPerEpoch = Math.floor(data.count / config.batchSize);
    if (this.stepsPerEpoch < 1)
      throw new Error(`batchSize ${config.batchSize} exceeds the ${data.count} training images`);
    this.sampler = new ArchSampler(
      space,
      options.seed,
      config.candidateWarmupEpochs,
      options.arch ? 0 : (config.attentionWarmupEpochs ?? 0),
    );
    const augment: AugmentSpec = config.augment ?? { flip: "auto", shift: "auto" };
    this.flip = flipImages(augment.flip, config.epochs);
    this.shift = shiftPixels(augment.shift, config.epochs, data.imageSize);
    if ((options.threads ?? 1) > 1) this.parallel = new TrainingThreads(supernet, options.threads!);
  }

  /** What the recipe's augmentation resolves to for this budget: flips or not, the shift in pixels. */
  readonly flip: boolean;
  readonly shift: number;

  get totalSteps(): number {
    return this.stepsPerEpoch * this.config.epochs;
  }

  get epoch(): number {
    return Math.floor(this.step / this.stepsPerEpoch);
  }

  get done(): boolean {
    return this.step >= this.totalSteps;
  }

  get position() {
    return {
      step: this.step,
      epoch: this.epoch,
      stepInEpoch: this.step % this.stepsPerEpoch,
      stepsPerEpoch: this.stepsPerEpoch,
      totalSteps: this.totalSteps,
    };
  }

  /** Up to `count` steps (fewer when training ends). */
  async trainSteps(count: number, run: TrainRunOptions = {}): Promise<StepReport[]> {
    const reports: StepReport[] = [];
    for (let i = 0; i < count && !this.done; i++) {
      throwIfAborted(run.signal);
      const report = await this.trainStep();
      reports.push(report);
      run.onStep?.(report);
    }
    return reports;
  }

  /** The rest of the current epoch. */
  async trainEpoch(run: TrainRunOptions = {}): Promise<StepReport[]> {
    return this.trainSteps(this.stepsPerEpoch - (this.step % this.stepsPerEpoch), run);
  }

  /** One optimizer step. */
  async trainStep(): Promise<StepReport> {
    if (this.done) throw new Error("training is complete");
    const started = performance.now();
    const { config, supernet } = this;
    const step = this.step;
    const epoch = this.epoch;
    const b = config.batchSize;
    const indices = this.batchIndices(step);
    const s = this.data.imageSize;
    const pixels =
      this.options.augment === false || (!this.flip && this.shift === 0)
        ? gatherBatch(this.data, indices)
        : augmentBatch(this.data, indices, new Random(this.options.seed, 2, step), this.shift, this.flip);
    const fixed = this.options.arch;
    const count = Math.min(config.archsPerStep, b);
    const sandwich = !fixed && this.sandwiches(count);
    const archs = fixed
      ? [fixed]
      : sandwich
        ? [
            this.sampler.sample(epoch, "largest"),
            this.sampler.sample(epoch, "smallest"),
            ...Array.from({ length: count - 2 }, () => this.sampler.sample(epoch)),
          ]
        : Array.from({ length: count }, () => this.sampler.sample(epoch));
    // "whole": every sub-network sees the batch's every image (its stem features repeated once per sub-network), so an epoch
    // is one pass over the data for each of them as for a network trained alone (docs/training-recipe.md).
    const whole = config.archBatch === "whole" && archs.length > 1;
    const sizes = whole
      ? archs.map(() => b)
      : archs.map((_, i) => Math.floor(b / archs.length) + (i < b % archs.length ? 1 : 0));
    const targets = smoothedTargets(this.data.labels, indices, supernet.space.input.classes, config.labelSmoothing);
    const lr = learningRate(
      step,
      config.learningRate,
      Math.round(config.warmupEpochs * this.stepsPerEpoch),
      this.totalSteps,
    );
    const names = new Map(supernet.trainableVariables().map((v) => [v.name, v]));
    const weightName = new Map([...supernet.variables].map(([n, v]) => [v.name, n]));

    let stats: BatchStats[] = [];
    const images = tf.tensor4d(pixels, [b, s, s, this.data.channels]);
    let target = tf.tensor2d(targets, [b, supernet.space.input.classes]);
    if (sandwich && config.distill) {
      const distilled = whole
        ? this.distilledWhole(archs[0]!, images, target, archs.length)
        : this.distilled(archs[0]!, images, target, sizes[0]!);
      target.dispose();
      target = distilled;
    } else if (whole) {
      const tiled = tf.tile(target, [archs.length, 1]);
      target.dispose();
      target = tiled;
    }
    const forward = {
      training: true,
      castlingBranch: castlingBranchWeight(step, this.totalSteps, this.config.castlingBranch),
      recompute: this.options.recompute,
    };
    let pass: { value: tf.Scalar; grads: Record<string, tf.Tensor> };
    try {
      // "whole": the images once, the stem's features repeated once per sub-network.
      const repeat = whole ? archs.length : 1;
      if (this.parallel)
        ({ stats, ...pass } = await this.parallel.gradients(archs, sizes, images, target, forward, repeat));
      else {
        pass = variableGrads(() => {
          const out = supernet.forward(archs, images, sizes, forward, repeat);
          stats = out.stats.map((st) => ({ name: st.name, mean: tf.keep(st.mean), variance: tf.keep(st.variance) }));
          return tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(out.logits)), 1))) as tf.Scalar;
        }, [...names.values()]);
      }
    } finally {
      images.dispose();
      target.dispose();
    }
    const { value, grads } = pass;

    const byWeight = new Map(Object.entries(grads).map(([varName, g]) => [weightName.get(varName)!, g]));
    this.optimizer.apply(supernet.variables, byWeight, lr, (name) =>
      supernet.specs.get(name)!.decay ? config.weightDecay : 0,
    );
    supernet.updateBatchNorm(stats, BATCH_NORM_MOMENTUM);
    for (const st of stats) {
      st.mean.dispose();
      st.variance.dispose();
    }
    for (const g of Object.values(grads)) g.dispose();
    const loss = (await value.data())[0]!;
    value.dispose();
    if (!Number.isFinite(loss)) throw new Error(`training diverged at step ${step + 1}: loss ${loss}`);
    this.step += 1;
    const finishedEpoch = this.step % this.stepsPerEpoch === 0 ? this.step / this.stepsPerEpoch - 1 : -1;
    if (!fixed && this.options.rewire !== false && finishedEpoch >= 0 && finishedEpoch < config.candidateWarmupEpochs) {
      rewire(supernet, this.optimizer);
      this.parallel?.changedAll();
    }
    // The first epoch that samples every attention type starts each type's own weights from the first type's.
    const attentionWarmup = config.attentionWarmupEpochs ?? 0;
    if (!fixed && attentionWarmup > 0 && this.step === attentionWarmup * this.stepsPerEpoch) {
      if (forkAttentionTypes(supernet, this.optimizer).length > 0) this.parallel?.changedAll();
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      step: this.step,
      totalSteps: this.totalSteps,
      epoch,
      epochs: config.epochs,
      loss,
      imagesPerSec: b / seconds,
      learningRate: lr,
      archs,
    };
  }

  /**
   * Whether a step of `count` sub-networks follows the sandwich rule (BigNAS): the largest and the smallest
   * sub-network and at least one sampled one, so the rule needs three.
   */
  sandwiches(count = Math.min(this.config.archsPerStep, this.config.batchSize)): boolean {
    return this.config.sandwich === true && count >= 3 && !this.options.arch;
  }

  /**
   * In-place distillation (BigNAS, Once-for-All): the images after the largest sub-network's own share learn the
   * mean of their label-smoothed targets and the largest sub-network's predictions on them. The predictions come
   * from an inference pass outside the gradient: a target, not a path for gradients into the teacher.
   */
  private distilled(largest: VitArch, images: tf.Tensor4D, target: tf.Tensor2D, own: number): tf.Tensor2D {
    const b = images.shape[0];
    if (own >= b) return tf.clone(target);
    return tf.tidy(() => {
      const rest = tf.slice(images, [own, 0, 0, 0], [b - own, -1, -1, -1]) as tf.Tensor4D;
      const soft = tf.softmax(this.supernet.predict(largest, rest));
      const others = tf.slice(target, [own, 0], [b - own, -1]);
      return tf.concat([tf.slice(target, [0, 0], [own, -1]), tf.mul(tf.add(others, soft), 0.5)], 0) as tf.Tensor2D;
    });
  }

  /**
   * In-place distillation when every sub-network sees the whole batch: the largest learns the labels, each of the
   * `count - 1` others the mean of the labels and the largest one's predictions on the same images.
   */
  private distilledWhole(largest: VitArch, images: tf.Tensor4D, target: tf.Tensor2D, count: number): tf.Tensor2D {
    return tf.tidy(() => {
      const mixed = tf.mul(tf.add(target, tf.softmax(this.supernet.predict(largest, images))), 0.5);
      return tf.concat([target, tf.tile(mixed, [count - 1, 1])], 0) as tf.Tensor2D;
    });
  }

  /** Images of a step: a seeded permutation per epoch, batches in order, the remainder dropped. */
  private batchIndices(step: number): Int32Array {
    const epoch = Math.floor(step / this.stepsPerEpoch);
    if (this.order?.epoch !== epoch) {
      const items = new Random(this.options.seed, 1, epoch).shuffle(
        Array.from({ length: this.data.count }, (_, i) => i),
      );
      this.order = { epoch, items };
    }
    const order = this.order.items;
    const from = (step % this.stepsPerEpoch) * this.config.batchSize;
    return Int32Array.from(order.slice(from, from + this.config.batchSize));
  }

  /** Frees the optimizer state and stops the worker threads. */
  dispose() {
    this.optimizer.dispose();
    void this.parallel?.dispose();
  }
}

/** One-hot targets with label smoothing: (1 - e) on the label plus e / classes everywhere. */
function smoothedTargets(labels: Int32Array, indices: Int32Array, classes: number, smoothing: number): Float32Array {
  const out = new Float32Array(indices.length * classes).fill(smoothing / classes);
  for (let n = 0; n < indices.length; n++) {
    const label = labels[indices[n]!]!;
    if (label < 0 || label >= classes)
      throw new Error(`label ${label} of image ${indices[n]} is outside 0..${classes - 1}`);
    out[n * classes + label]! += 1 - smoothing;
  }
  return out;
}

export function throwIfAborted(signal?: AbortSignal) {
  if (signal?.aborted) throw new DOMException("training was aborted", "AbortError");
}
