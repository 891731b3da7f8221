// The weight-sharing super-network: one variable per weight at its largest size; any architecture of the space runs
// on leading slices of them (Once-for-All "elastic" weights).
import * as tf from "@tensorflow/tfjs";
import { stageGeometry, type VitArch, type VitSpace } from "@vitnas/formats";
import { BLOCK_NAME, gridName } from "./block-names";
import { archForward, type ForwardOptions } from "./model";
import { type AttentionWeights, ownedName, placedName, supernetWeights, type TokenWeights } from "./space";
import { type BatchStats, stemForward } from "./stem";
import { type InitScheme, initialValues, sameShape, sliceBegin, type WeightSource, type WeightSpec } from "./weights";

let instances = 0;

export interface SupernetOptions {
  /** Seeds the initial weights and the fixed random features. */
  seed: number;
  /** How layer weights start (weights.ts); default `fan-in`. */
  init?: InitScheme;
  /** Who owns the q/k/v and output projections (space.ts); default `shared`, what checkpoints without it hold. */
  attentionWeights?: AttentionWeights;
  /** Token-indexed weights once per token grid or one copy (space.ts); default `per-grid`, checkpoints without it `shared`. */
  tokenWeights?: TokenWeights;
}

export class Supernet implements WeightSource {
  readonly specs: Map<string, WeightSpec>;
  readonly variables = new Map<string, tf.Variable>();
  private readonly id = ++instances;
  private disposed = false;
  /** Names architectures read that the super-network holds once per token grid (WeightSpec.grid). */
  private readonly perGrid = new Set<string>();

  private constructor(
    readonly space: VitSpace,
    readonly seed: number,
    readonly init: InitScheme,
    readonly attentionWeights: AttentionWeights,
    readonly tokenWeights: TokenWeights,
  ) {
    this.specs = new Map(supernetWeights(space, attentionWeights, tokenWeights).map((s) => [s.name, s]));
    for (const spec of this.specs.values()) if (spec.grid) this.perGrid.add(spec.grid.of);
    for (const spec of this.specs.values()) {
      const values = tf.tensor(initialValues(spec, seed, init), spec.shape, "float32");
      this.variables.set(spec.name, tf.variable(values, spec.trainable, `supernet${this.id}/${spec.name}`));
      values.dispose();
    }
  }

  static create(space: VitSpace, options: SupernetOptions): Supernet {
    if (space.format !== "vit-space/v1") throw new Error(`space.format must be "vit-space/v1"`);
    return new Supernet(
      space,
      options.seed,
      options.init ?? "fan-in",
      options.attentionWeights ?? "shared",
      options.tokenWeights ?? "per-grid",
    );
  }

  /**
   * The weights as one architecture reads them, by its standalone names: per-type projections resolved, and each
   * block's weights at its place among the stage's blocks where the space drops more than the last (block.index),
   * and token-indexed weights held per grid read in the copy of the stage's grid.
   */
  view(arch: VitArch): WeightSource {
    if (this.attentionWeights === "shared" && !this.placed && this.perGrid.size === 0) return this;
    const sides = this.perGrid.size > 0 ? stageGeometry(arch).map((g) => g.rows) : [];
    return { get: (name, shape) => this.get(this.nameOf(name, arch, sides), shape) };
  }

  /** The super-network name of the weight `name` of `arch` (see view); `sides`: its stages' grid sides, if known. */
  nameOf(name: string, arch: VitArch, sides?: number[]): string {
    const placed = placedName(ownedName(name, arch, this.attentionWeights), arch, this.space);
    if (!this.perGrid.has(placed)) return placed;
    const s = Number(BLOCK_NAME.exec(placed)![1]);
    return gridName(placed, (sides ?? stageGeometry(arch).map((g) => g.rows))[s]!);
  }

  /** Whether a stage of the space may drop blocks other than its last (depthDrop). */
  private get placed(): boolean {
    return this.space.stages.some((s) => (s.depthDrop ?? "last") !== "last");
  }

  /** The active block of a weight: leading along each axis, centred along the axes its spec says. */
  get(name: string, shape: number[]): tf.Tensor {
    const v = this.variables.get(name);
    const spec = this.specs.get(name);
    if (!v || !spec) throw new Error(`the super-network has no weight ${name} (is the architecture in its space?)`);
    if (shape.length !== v.rank) throw new Error(`weight ${name}: rank ${shape.length} requested, ${v.rank} held`);
    if (sameShape(v.shape, shape)) return v;
    return tf.slice(v, sliceBegin(v.shape, shape, spec.center), shape);
  }

  trainableVariables(): tf.Variable[] {
    return [...this.variables.values()].filter((v) => v.trainable);
  }

  /** Trainable numbers held (all the largest weights). */
  paramCount(): number {
    return this.trainableVariables().reduce((n, v) => n + v.size, 0);
  }

  /**
   * Several sub-networks in one pass: the stem runs once on the whole batch (it is shared and not searched), then
   * sub-batch i (sizes[i] images, in order) goes through archs[i]. Returns the concatenated logits. `repeat` > 1:
   * the stem's features are repeated that many times along the batch (every sub-network reads the same images,
   * `archBatch: "whole"`), so the stem runs once per image rather than once per sub-network; its batch statistics
   * are those of the repeated batch, since repeating changes neither mean nor variance.
   */
  forward(
    archs: VitArch[],
    images: tf.Tensor4D,
    sizes: number[],
    opts: ForwardOptions,
    repeat = 1,
  ): { logits: tf.Tensor2D; stats: BatchStats[] } {
    this.check();
    const stem = stemForward(this.space.stem, this, images, opts.training);
    const { stats } = stem;
    const out = repeat > 1 ? (tf.tile(stem.out, [repeat, 1, 1, 1]) as tf.Tensor4D) : stem.out;
    const parts: tf.Tensor2D[] = [];
    let at = 0;
    archs.forEach((arch, i) => {
      const size = sizes[i]!;
      if (size === 0) return;
      const part = archs.length === 1 ? out : (tf.slice(out, [at, 0, 0, 0], [size, -1, -1, -1]) as tf.Tensor4D);
      parts.push(archForward(arch, this.view(arch), part, opts));
      at += size;
    });
    return { logits: parts.length === 1 ? parts[0]! : tf.concat(parts, 0), stats };
  }

  /** Logits of one architecture in inference mode (running batch-norm statistics, no training-only branches). */
  predict(arch: VitArch, images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(
      () => this.forward([arch], images, [images.shape[0]], { training: false, castlingBranch: 0 }).logits,
    );
  }

  /** Folds a training pass's batch statistics into the running averages. */
  updateBatchNorm(stats: BatchStats[], momentum: number) {
    tf.tidy(() => {
      for (const { name, mean, variance } of stats) {
        const m = this.variables.get(`${name}.bn.mean`)!;
        const v = this.variables.get(`${name}.bn.var`)!;
        m.assign(tf.add(tf.mul(m, 1 - momentum), tf.mul(mean, momentum)));
        v.assign(tf.add(tf.mul(v, 1 - momentum), tf.mul(variance, momentum)));
      }
    });
  }

  dispose() {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.variables.values()) v.dispose();
  }

  private check() {
    if (this.disposed) throw new Error("the super-network was disposed");
  }
}
