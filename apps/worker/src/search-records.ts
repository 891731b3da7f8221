// What the worker reads and writes in Postgres about a search. Implemented over @vitnas/db in db-search-records.ts.

import type { StoredArtifact } from "@vitnas/artifacts";
import type { SearchStatus } from "@vitnas/db";
import type { NasSearch, VitArch } from "@vitnas/formats";
import type {
  BaselineResult,
  CandidateRecord,
  FinalResult,
  FrontPoint,
  ProgressEvent,
  SearchResult,
  TrainedSupernet,
} from "@vitnas/pipeline";
import type { SelfTestResult } from "@vitnas/supernet";

export interface SearchToRun {
  id: string;
  teamId: string;
  job: NasSearch;
  status: SearchStatus;
}

/** A recorded super-network, as a search that reuses it needs it (docs/supernet-reuse.md). */
export interface StoredSupernet {
  id: string;
  /** The search that trained it: its checkpoint is that search's work directory's `supernet/`. */
  searchId: string;
  datasetFingerprint: string;
}

/** The team already runs as many searches as it may; the search stays queued. */
export class TeamRunningLimitReached extends Error {
  constructor(
    readonly running: number,
    readonly max: number,
    readonly own: boolean,
  ) {
    super(
      `the team runs ${running} searches, the most ${own ? "its own limit (nas admin set-limits)" : "MAX_RUNNING_SEARCHES_PER_TEAM"} allows (${max})`,
    );
    this.name = "TeamRunningLimitReached";
  }
}

export interface SearchRecords {
  load(searchId: string): Promise<SearchToRun | undefined>;
  status(searchId: string): Promise<SearchStatus | undefined>;
  /**
   * Running on the self-tested backend from now (the start time is kept across resumes); false when the search is
   * no longer queued or running (cancelled or finished meanwhile). With `maxRunning`, rejects with
   * TeamRunningLimitReached when the team already runs that many others (or its own limit's).
   */
  markRunning(
    searchId: string,
    run: { worker: string; selfTest: SelfTestResult; maxRunning?: number },
  ): Promise<boolean>;
  /** The priority to (re)queue the search with: its place in its team's line. */
  queuePriority(searchId: string): Promise<number>;
  /** What a job's `supernet.from` names (a super-network's id or a search's), of the team only. */
  resolveSupernet(teamId: string, ref: string): Promise<StoredSupernet | undefined>;
  /** The team's super-networks on this space and recipe, newest first (`supernet.reuse: "auto"`). */
  matchingSupernets(teamId: string, spaceHash: string, recipeHash: string): Promise<StoredSupernet[]>;
  /** Records the super-network a search trained (again after a resume: same row). */
  recordSupernet(search: { id: string; teamId: string }, trained: TrainedSupernet, location: string): Promise<void>;
  /** Notes the super-network the search searched on. */
  markReused(searchId: string, supernetId: string): Promise<void>;
  /** The latest progress snapshot, an event in the history, and a training metric when it carries loss or images/s. */
  saveProgress(searchId: string, progress: ProgressEvent): Promise<void>;
  /** Idempotent per (search, architecture): a resumed search reporting a candidate again adds no row. */
  upsertCandidates(searchId: string, candidates: CandidateRecord[]): Promise<void>;
  setFront(searchId: string, generation: number, front: FrontPoint[], hypervolume: number | undefined): Promise<void>;
  recordArtifacts(searchId: string, artifacts: (StoredArtifact & { kind: string; archHash?: string })[]): Promise<void>;
  /**
   * The final phase's trained architectures (already candidates) become the search's set: idempotent, so a resumed
   * or retried search writing them again adds no row.
   */
  recordFinal(searchId: string, final: FinalResult[]): Promise<void>;
  /**
   * The front architectures' measured latency (already candidates) becomes the search's set: idempotent, like
   * `recordFinal`; a search that measured none (`search.latency.measure` off) writes an empty set.
   */
  recordLatency(searchId: string, front: SearchResult["front"]): Promise<void>;
  /**
   * The job's baselines as trained, with their documents (a baseline is no candidate), become the search's set:
   * idempotent per (search, name), like `recordFinal`.
   */
  recordBaselines(searchId: string, baselines: (BaselineResult & { arch: VitArch })[]): Promise<void>;
  /** Queued or running searches not updated since `before`, least recently updated first (for the reconciler). */
  listIdle(before: Date, limit: number): Promise<{ id: string; status: SearchStatus }[]>;
  /** Back in the queue (the worker shut down, or its job was lost); keeps progress and checkpoints. */
  markRequeued(searchId: string, reason: string): Promise<void>;
  /** Fails a search left running by workers that kept dying; false when it was not running any more. */
  failStalled(searchId: string, error: string): Promise<boolean>;
  /**
   * Records how the run ended; false when the search's status had changed meanwhile (cancelled while it finished),
   * in which case nothing is changed.
   */
  finish(searchId: string, outcome: { status: "succeeded" | "failed" | "cancelled"; error?: string }): Promise<boolean>;
}
