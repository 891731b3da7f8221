// Complete ("normalised") forms of the public formats: what `withDefaults` returns after validation. Every optional
// field of the schema is present here, so code below the formats layer never re-derives a default.
import type { AttentionType } from "./schema";

export type { AttentionType };

export type SoftmaxAttn = { type: "softmax" };
export type PerformerAttn = { type: "performer"; features: number };
export type LinformerAttn = { type: "linformer"; k: number; shareKV: boolean };
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

export type PositionKind = "learned" | "rope" | "none";
export type ReductionKind = "residual" | "none";

export interface BlockSpec {
  heads: number;
  mlpHidden: number;
  attention: AttentionSpec;
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
}

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
  | IdxDatasetSpec;

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
  /** How layer weights start (docs/training-recipe.md). */
  init: "fan-in" | "trunc-normal";
  augment: AugmentSpec;
  /** One q/k/v and output projection per attention type and block, or one per block (docs/training-recipe.md). */
  attentionWeights: "per-type" | "shared";
  /** Train the largest and smallest sub-networks in every step (BigNAS's sandwich rule). */
  sandwich: boolean;
  /** In-place distillation from the largest sub-network (needs `sandwich`). */
  distill: boolean;
  checkpointEverySteps: number;
}

export interface AugmentSpec {
  flip: boolean;
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
}

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
  seed: number;
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
}

/** One problem found by validation: a JSON path like `stages[1].widths[0]` and the reason. */
export interface ValidationIssue {
  path: string;
  message: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: ValidationIssue[] };
