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

export interface ProgressEvent {
  phase: Phase;
  /** Overall completion, 0..100. */
  percent: number;
  backend?: string;
  epoch?: number;
  epochs?: number;
  step?: number;
  steps?: number;
  loss?: number;
  imagesPerSec?: number;
  generation?: number;
  generations?: number;
  candidatesEvaluated?: number;
  front?: FrontPoint[];
  hypervolume?: number;
  etaSeconds?: number;
  message?: string;
}

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
