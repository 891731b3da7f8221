// Complete ("normalised") forms of the public formats: what `withDefaults` returns after validation. Every optional
// field of the schema is present here, so code below the formats layer never re-derives a default.
import type { AttentionType } from "./schema";

export type { AttentionType };

export type SoftmaxAttn = { type: "softmax" };
export type PerformerAttn = { type: "performer"; features: number };
/**
 * `shareKV`: true, one sequence projection E for K and V ("projection" in a document completes to true); false, E
 * for K and F for V; "kv", V is K itself (no v projection, one E product): docs/seed-settings.md.
 */
export type LinformerAttn = { type: "linformer"; k: number; shareKV: boolean | "kv" };
export type NystromAttn = { type: "nystrom"; landmarks: number; iterations: number; convKernel: number };
export type FNetAttn = { type: "fnet" };
export type MixerAttn = { type: "mixer"; expansion: number };
export type CastlingAttn = { type: "castling"; convKernel: number };
export type XNormAttn = { type: "xnorm" };
export type AttentionSpec =
  | SoftmaxAttn
  | PerformerAttn
  | LinformerAttn
  | NystromAttn
  | FNetAttn
  | MixerAttn
  | CastlingAttn
  | XNormAttn;

export interface InputSpec {
  imageSize: number;
  channels: number;
  classes: number;
}

export interface StemConvSpec {
  out: number;
  kernel: number;
  stride: number;
  padding: number;
  norm: "batch" | "none";
  act: "relu" | "gelu" | "none";
}
export type StemEntry = StemConvSpec | { residual: StemConvSpec[] };

export interface StemSpec {
  convs: StemEntry[];
  patch: { kernel: number; stride: number; padding: number };
}

/** `rope`: 2-D rotary (row and column); `rope1d`: 1-D rotary over the raster order (docs/model-conventions.md). */
export type PositionKind = "learned" | "rope" | "rope1d" | "none";
/** `conv`: the residual reduction's conv path without its skip (docs/model-conventions.md). */
export type ReductionKind = "residual" | "conv" | "none";

export interface BlockSpec {
  heads: number;
  mlpHidden: number;
  attention: AttentionSpec;
  /**
   * The block's place among the super-network's blocks of its stage, whose weights it reads, when the space's stage
   * drops blocks other than the last (depthDrop); absent: its place in the list. Not filled by defaults, so the
   * architectures of spaces that drop the last blocks are written as before (docs/seed-settings.md).
   */
  index?: number;
}

export interface StageSpec {
  width: number;
  headDim: number;
  reduction: ReductionKind;
  blocks: BlockSpec[];
}

/** A complete `vit-arch/v1` architecture. */
export interface VitArch {
  format: "vit-arch/v1";
  input: InputSpec;
  stem: StemSpec;
  position: PositionKind;
  classToken: boolean;
  stages: StageSpec[];
}

export interface SpaceStageSpec {
  widths: number[];
  headDim: number;
  depth: number[];
  heads: number[];
  mlpHidden: number[];
  /** Candidates with their parameters filled in (a bare type name becomes its defaults). */
  attention: AttentionSpec[];
  reduction: ReductionKind[];
  /**
   * Which blocks a shallower sub-network drops: the last, any, or only the listed places (docs/seed-settings.md).
   * withDefaults fills it; a space built in code may leave it out, which means "last".
   */
  depthDrop?: DepthDrop;
}

export type DepthDrop = "last" | "any" | number[];

/** A complete `vit-space/v1` search space. */
export interface VitSpace {
  format: "vit-space/v1";
  input: InputSpec;
  stem: StemSpec;
  position: PositionKind[];
  classToken: boolean;
  stages: SpaceStageSpec[];
}

export type DatasetSpec =
  | {
      kind: "synthetic";
      classes: number;
      imageSize: number;
      channels: number;
      train: number;
      val: number;
      test: number;
      seed: number;
    }
  /** `test`: held out of the training batches (after val) only when test_batch.bin is missing. */
  | { kind: "cifar10"; path: string; train?: number; val: number; test: number; seed: number }
  /** `test`: the fraction held out (before val) when there is no `testPath`. */
  | { kind: "folder"; path: string; imageSize: number; val: number; testPath?: string; test: number; seed: number }
  | IdxDatasetSpec
  | Cifar100DatasetSpec
  | NpzDatasetSpec
  | UploadedDatasetSpec;

/** CIFAR-100's binary version; `test`: held out of train.bin (after val) only when test.bin is missing. */
export interface Cifar100DatasetSpec {
  kind: "cifar100";
  path: string;
  labels: "fine" | "coarse";
  train?: number;
  val: number;
  test: number;
  seed: number;
}

/** NumPy arrays x_train, y_train (x_test, y_test): an .npz file or a directory of .npy files. */
export interface NpzDatasetSpec {
  kind: "npz";
  path: string;
  train?: number;
  val: number;
  /** With x_test: at most this many; without: held out of the training arrays after val (default 1000). */
  test?: number;
  imageSize: number;
  seed: number;
}

export type UploadedFormat = "cifar10" | "cifar100" | "folder" | "idx" | "npz";

/**
 * A dataset uploaded to the service, by id; the service sets `sha256` and `format` at submission and its workers
 * read the upload from their cache. The split options mean what they mean for `format` (docs/datasets.md).
 */
export interface UploadedDatasetSpec {
  kind: "uploaded";
  id: string;
  sha256?: string;
  format?: UploadedFormat;
  train?: number;
  val?: number;
  test?: number;
  imageSize: number;
  labels?: "fine" | "coarse";
  seed: number;
}

/** MNIST-family IDX files; the four file names are searched in `path` unless given. */
export interface IdxDatasetSpec {
  kind: "idx";
  path: string;
  trainImages?: string;
  trainLabels?: string;
  testImages?: string;
  testLabels?: string;
  train?: number;
  val: number;
  test?: number;
  imageSize: number;
  seed: number;
}

export interface SupernetSpec {
  epochs: number;
  batchSize: number;
  archsPerStep: number;
  learningRate: number;
  weightDecay: number;
  warmupEpochs: number;
  candidateWarmupEpochs: number;
  labelSmoothing: number;
  /**
   * Epochs in which every block runs its stage's first attention type before all are sampled; the other types' own
   * weights then start from its trained ones (docs/training-recipe.md).
   */
  attentionWarmupEpochs: number;
  /**
   * Space shrinking: after `epoch` epochs each stage keeps its `keep` best attention types, scored on validation
   * images, and only those are trained and searched from then on (docs/training-recipe.md). Absent: every type.
   */
  attentionShrink?: AttentionShrinkSpec;
  /** How layer weights start (docs/training-recipe.md). */
  init: "fan-in" | "trunc-normal";
  augment: AugmentSpec;
  /**
   * One q/k/v and output projection per attention type and block, the whole block per type (norms, projections,
   * MLP), or one set per block (docs/training-recipe.md).
   */
  attentionWeights: "per-type" | "per-type-block" | "shared";
  /**
   * Token-indexed weights (mixer's token MLP, linformer's projections) held once per token grid a stage can have, or
   * one copy every grid reads the leading rows of (docs/training-recipe.md).
   */
  tokenWeights: "per-grid" | "shared";
  /** Each sub-network of a step trains on a share of the batch or on all of it (docs/training-recipe.md). */
  archBatch: "split" | "whole";
  /** Train the largest and smallest sub-networks in every step (BigNAS's sandwich rule). */
  sandwich: boolean;
  /** In-place distillation from the largest sub-network (needs `sandwich`). */
  distill: boolean;
  /** Castling's training-only branch: weight 1 falling linearly to 0 at `until` of training, or off. */
  castlingBranch: CastlingBranch;
  checkpointEverySteps: number;
  /** A trained super-network of the team to search on instead of training (its id or its search's id). */
  from?: string;
  /** "auto": search on the team's matching super-network (same space, dataset and recipe) when there is one. */
  reuse?: "never" | "auto";
}

export interface AttentionShrinkSpec {
  epoch: number;
  keep: number;
  /** Paired sub-networks scoring each type of a stage (default 4). */
  archs?: number;
  /** Validation images each scoring sub-network reads (default 512). */
  images?: number;
}

export type CastlingBranch = "off" | { until: number };

export interface AugmentSpec {
  /** Random horizontal flips; "auto": chosen from the training budget (docs/training-recipe.md). */
  flip: "auto" | boolean;
  /** Largest random shift in pixels; "auto": chosen from the training budget (docs/training-recipe.md). */
  shift: "auto" | number;
}

export interface BoundsSpec {
  min?: number;
  max?: number;
}

export interface SearchSpec {
  population: number;
  generations: number;
  parents: number;
  mutationProb: number;
  crossoverProb: number;
  constraints: { macs?: BoundsSpec; params?: BoundsSpec };
  /**
   * `nsga2`: parents by non-dominated sorting and crowding. `resnas`: ViT-ResNAS's, parents by accuracy alone and
   * children redrawn into [0.975, 1] x constraints.macs.max (docs/seed-settings.md).
   */
  strategy: SearchStrategy;
  /** The front architectures' measured latency (docs/export.md, "Latency"). */
  latency: LatencySpec;
}

export interface LatencySpec {
  /** Measure each front architecture's batch-1 latency in ONNX Runtime when it is exported. */
  measure: boolean;
  /** ONNX Runtime intra-op threads (one inter-op thread). */
  threads: number;
  /** Timed runs per architecture, after 5 untimed warm-up runs. */
  runs: number;
  /** A constraint on the front: no front architecture's median latency exceeds it (ms). */
  maxMs?: number;
}

export type SearchStrategy = "nsga2" | "resnas";

/** A complete `nas-search/v1` job. */
export interface NasSearch {
  format: "nas-search/v1";
  name: string;
  space: VitSpace;
  dataset: DatasetSpec;
  supernet: SupernetSpec;
  search: SearchSpec;
  /** Training the winners: after the search, the top front architectures as standalone models. */
  final: FinalSpec;
  /** Reference architectures trained with the final phase's recipe and reported beside the front. */
  baselines: BaselinesSpec;
  seed: number;
  /** The search's place among its team's queued searches (absent: normal). */
  priority?: SearchPriority;
}

export type SearchPriority = "low" | "normal" | "high";

export interface BaselinesSpec {
  builtin: ("smallest" | "median" | "largest")[];
  archs: VitArch[];
}

export interface FinalSpec {
  /** Front architectures trained (spread along the front, the most accurate always among them); 0: none. */
  top: number;
  /** From the inherited super-network weights (Once-for-All) or from scratch (ViT-ResNAS). */
  mode: "finetune" | "scratch";
  epochs: number;
  learningRate: number;
  /** Train on training + validation images; the test split measures the result either way. */
  trainOnVal: boolean;
  /** Training images for the final phase and the baselines (absent: the search's `dataset.train`). */
  train?: number;
}

/** One problem found by validation: a JSON path like `stages[1].widths[0]` and the reason. */
export interface ValidationIssue {
  path: string;
  message: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: ValidationIssue[] };
