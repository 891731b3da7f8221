// Messages between a worker and the child process that trains one search (over Node's IPC channel).
import type { NasSearch } from "@vitnas/formats";
import type {
  CandidateRecord,
  FanoutMode,
  ProgressEvent,
  ReusableSupernet,
  SearchResult,
  TrainedSupernet,
} from "@vitnas/pipeline";
import type { SelfTestResult } from "@vitnas/supernet";

export interface StartMessage {
  type: "start";
  job: NasSearch;
  workDir: string;
  outDir: string;
  /** Where uploaded datasets are unpacked (docs/datasets.md). */
  datasetCache?: string;
  backend?: string;
  /** Module exporting `runSearch` (default "@vitnas/pipeline"). */
  runnerModule: string;
  /** Trained super-networks to search on instead of training (docs/supernet-reuse.md). */
  reuse?: ReusableSupernet[];
  /** Where generations go to the evaluation workers (docs/deployment.md, "Evaluation fan-out"); absent: off. */
  fanout?: FanoutStart;
}

export interface FanoutStart {
  mode: FanoutMode;
  searchId: string;
  redisUrl: string;
  prefix: string;
}

/** Runs the backend self-test in a child, so the worker process itself never loads tfjs or claims a GPU. */
export interface SelfTestMessage {
  type: "self-test";
  backend?: string;
  /** Module exporting `initBackend` and `selfTest` (default "@vitnas/supernet"). */
  module: string;
}

export type ParentMessage = StartMessage | SelfTestMessage | { type: "abort"; reason: string };

export type ChildMessage =
  | { type: "progress"; event: ProgressEvent }
  | { type: "candidate"; candidate: CandidateRecord }
  | { type: "supernet"; supernet: TrainedSupernet }
  | { type: "done"; result: SearchResult }
  | { type: "failed"; name: string; message: string; stack?: string }
  | { type: "self-test"; result: SelfTestResult }
  | ({ type: "memory" } & MemoryReport);

/** The training process's memory, reported now and then: the figure a search killed for memory is failed with. */
export interface MemoryReport {
  /** Resident set size now, bytes. */
  rss: number;
  /** Largest resident set size so far, bytes. */
  peakRss: number;
}
