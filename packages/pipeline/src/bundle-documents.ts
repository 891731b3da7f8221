// The documents of an export bundle, preprocessing.json and metrics.json (bundle.ts writes and reads them; the model
// card describes them), in a file of their own so the two need not import each other.
import type { OnnxLatency } from "@vitnas/export";
import type { DatasetSpec, SupernetSpec } from "@vitnas/formats";

export const PREPROCESSING_FORMAT = "vitnas-preprocessing/v1";

export interface Preprocessing {
  format: typeof PREPROCESSING_FORMAT;
  imageSize: number;
  channels: number;
  classNames: string[];
  /** Applied to pixels scaled to [0, 1]: (pixel - mean) / std per channel. */
  normalization: { mean: number[]; std: number[] };
}

/**
 * The recipe one architecture is trained alone with: a job's `supernet` section without `tokenWeights`, which only
 * a super-network's stages with several token grids have a use for (a standalone model has one grid per stage).
 */
export type AloneRecipe = Omit<SupernetSpec, "tokenWeights">;

/** How a bundle's weights were obtained when they were trained for its architecture alone (`nas train`). */
export interface StandaloneTraining {
  kind: "standalone";
  epochs: number;
  /** The complete recipe (a job's `supernet` section with the command's overrides; one architecture per step). */
  recipe: AloneRecipe;
  /** Fine-tuned from these weights (a super-network checkpoint id); absent: trained from scratch. */
  startedFrom?: string;
  /** Trained on the training and validation images: `accuracy` (on validation) is then not a held-out figure. */
  trainOnVal?: boolean;
  /** The dataset section it was trained with (a final phase's may take more training images than its search). */
  dataset?: DatasetSpec;
  /** How many images it trained on. */
  trainImages?: number;
}

export interface BundleMetrics {
  id: string;
  /** Top-1 accuracy of this bundle's standalone model on `split`. */
  accuracy: number;
  /** Top-1 accuracy on the dataset's test split (bundles of `nas train` only). */
  testAccuracy?: number;
  /**
   * The search's fitness: accuracy with weights inherited from the super-network, on the same split. Absent for
   * `nas train` bundles, which no search produced.
   */
  searchAccuracy?: number;
  macs: number;
  /**
   * The MACs counter's version that gave `macs` (docs/model-conventions.md, "Counter version"); absent in bundles
   * written before it was recorded: version 1.
   */
  counterVersion?: number;
  params: number;
  /**
   * Batch-1 latency of the exported model in ONNX Runtime on the CPU that wrote the bundle (median and p90 of the
   * timed runs, threads stated; docs/export.md "Latency"); a search's front bundles when `search.latency.measure`.
   */
  latency?: OnnxLatency;
  dataset: DatasetSpec;
  split: { name: "val"; count: number; fingerprint: string };
  /** The super-network checkpoint the weights were copied from; absent for `nas train` bundles. */
  supernetCheckpoint?: string;
  seed: number;
  backend: string;
  /** The search's name; for `nas train`, the name of the job given as --dataset ("search" by default). */
  job: string;
  /** Present when the weights were trained alone; absent: inherited from a search's super-network. */
  training?: StandaloneTraining;
}
