// The contract between the search pipeline and whoever drives it: the CLI, the queue worker and the tests.
import type { OnnxLatency } from "@vitnas/export";
import type { NasSearch, VitArch } from "@vitnas/formats";
import type { BaselineResult, FinalResult } from "./final-results";
import type { Fanout } from "./remote-evaluator";
import type { ReusableSupernet, TrainedSupernet } from "./supernet-records";

export type Phase = "dataset" | "supernet" | "search" | "export" | "final" | "done";

/** A point of the accuracy/MACs front. `id` is the architecture's canonical hash. */
export interface FrontPoint {
  id: string;
  accuracy: number;
  macs: number;
  params: number;
}

/** Every evaluated architecture, reported once per (search, id). */
export interface CandidateRecord extends FrontPoint {
  arch: VitArch;
  generation: number;
}

/** What every progress event carries: the run's overall completion and, once it can be measured, the time left. */
interface ProgressBase {
  /** Overall completion, 0..100. */
  percent: number;
  etaSeconds?: number;
  backend?: string;
  message?: string;
}

/** The dataset is being loaded (at its start and end). */
export interface DatasetProgress extends ProgressBase {
  kind: "dataset";
  phase: "dataset";
}

/** Super-network training: when it starts (or resumes) and after every step. */
export interface SupernetStepProgress extends ProgressBase {
  kind: "supernet-step";
  phase: "supernet";
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  loss?: number;
  imagesPerSec?: number;
}

/** A trained super-network was loaded instead of training one (docs/supernet-reuse.md). */
export interface SupernetReusedProgress extends ProgressBase {
  kind: "supernet-reused";
  phase: "supernet";
  step: number;
  steps: number;
}

/** One architecture evaluated (and one when the search phase starts or resumes); the front comes at generation end. */
export interface EvaluationProgress extends ProgressBase {
  kind: "evaluation";
  phase: "search";
  /** The generation in progress, 0 (the random one) to `generations`. */
  generation: number;
  generations: number;
  candidatesEvaluated: number;
}

/** A generation ended: the evolution's own front and hypervolume after it, once per generation. */
export interface GenerationProgress extends ProgressBase {
  kind: "generation";
  phase: "search";
  generation: number;
  generations: number;
  candidatesEvaluated: number;
  front: FrontPoint[];
  hypervolume: number;
}

/** The front's latency being measured, or its bundles written. */
export interface ExportProgress extends ProgressBase {
  kind: "export";
  phase: "export";
}

/** The final phase: a front architecture or baseline trained alone, when it starts and after every step. */
export interface FinalStepProgress extends ProgressBase {
  kind: "final-step";
  phase: "final";
  epochs: number;
  epoch?: number;
  step?: number;
  steps?: number;
  loss?: number;
}

/** The run is over: the exported front (after any latency limit) and what the run planned and did. */
export interface DoneProgress extends ProgressBase {
  kind: "done";
  phase: "done";
  epochs: number;
  /** The last generation the evolution ran (fewer than `generations` when it ran out of new architectures). */
  generation: number;
  generations: number;
  candidatesEvaluated: number;
  front: FrontPoint[];
  hypervolume: number;
}

/**
 * What `runSearch` reports, keyed by `kind` (each kind belongs to one `phase`): consumers switch on `kind` instead of
 * inferring generation ends or training steps from which fields are set (docs/deployment.md, "Progress events and cancellation").
 */
export type ProgressEvent =
  | DatasetProgress
  | SupernetStepProgress
  | SupernetReusedProgress
  | EvaluationProgress
  | GenerationProgress
  | ExportProgress
  | FinalStepProgress
  | DoneProgress;

export type ProgressKind = ProgressEvent["kind"];

export interface RunSearchOptions {
  /** Holds checkpoints and the evaluation history; running again with the same workDir resumes. */
  workDir: string;
  /** Where the export bundles and pareto.json go (default: `<workDir>/out`). */
  outDir?: string;
  /** Where uploaded datasets are unpacked, one directory per SHA-256 (the service's workers set it). */
  datasetCache?: string;
  onProgress?: (event: ProgressEvent) => void;
  onCandidate?: (candidate: CandidateRecord) => void;
  /** Aborting checkpoints within one training step and rejects with an error whose name is "AbortError". */
  signal?: AbortSignal;
  /** Force a tfjs backend ("tensorflow", "wasm" or "cpu"); default: the best available. */
  backend?: string;
  /**
   * Trained super-networks to search on instead of training one, tried in order (docs/supernet-reuse.md): the first
   * whose data matches (or that names no data) is loaded and training is skipped.
   */
  reuse?: ReusableSupernet[];
  /** Called when this search's own super-network training has ended, with what a later search needs to reuse it. */
  onSupernet?: (trained: TrainedSupernet) => void;
  /** Hands generations to the evaluation queue (docs/deployment.md, "Evaluation fan-out"); absent: in-process. */
  fanout?: Fanout;
}

export interface SearchResult {
  job: NasSearch;
  backend: string;
  /** The front; each member's measured latency when the job measures it (`search.latency`). */
  front: (FrontPoint & { arch: VitArch; latency?: OnnxLatency })[];
  candidatesEvaluated: number;
  /** Evaluations computed by this call (the rest came from the evaluation cache of an earlier, interrupted run). */
  evaluatedThisRun?: number;
  outDir: string;
  supernetCheckpoint: string;
  /** The id of the reused super-network the search ran on (`reuse`); absent when it trained its own. */
  reusedSupernet?: string;
  /** The final phase's trained front architectures (empty when `final.top` is 0). */
  final: FinalResult[];
  /** The job's baselines, trained with the same recipe (empty when it names none). */
  baselines: BaselineResult[];
}
