// Where a running search's progress events go: Postgres (snapshot, event history, training metrics, candidates,
// fronts), BullMQ (job progress), Redis (live events) and the worker's metrics. The pipeline says what each event is
// (packages/pipeline/src/types.ts): a generation's end comes with its front, so nothing here is inferred from which
// fields are set. Writes are throttled and batched: a training step every few milliseconds must not become a row.
import type { CandidateRecord, FrontPoint, ProgressEvent } from "@vitnas/pipeline";
import type { Logger } from "./logger";
import type { SearchRecords } from "./search-records";

/** What the recorder writes to, besides Postgres. */
export interface ProgressSinks {
  records: Pick<SearchRecords, "saveProgress" | "upsertCandidates" | "setFront">;
  /** Publishes an event on the search's live channel (the API's server-sent events wake up on it). */
  publish(event: ProgressEvent): void;
  /** BullMQ's own progress of the job. */
  jobProgress(progress: { phase: string; percent: number }): void;
  /** The super-network's training speed, or undefined once it no longer trains. */
  throughput(imagesPerSec: number | undefined): void;
  /** Architectures evaluated since the last call. */
  evaluated(count: number): void;
  logger: Logger;
}

export interface RecorderTiming {
  /** Postgres (snapshot, event, metric) and BullMQ get progress at most this often; important events go at once. */
  snapshotEveryMs: number;
  /** Live events are published at most this often; important events go at once. */
  liveEveryMs: number;
  now: () => number;
}

export const DEFAULT_TIMING: RecorderTiming = { snapshotEveryMs: 1000, liveEveryMs: 250, now: Date.now };

/** Serialises database writes of one search so they land in order, and keeps going after a failed one. */
class WriteChain {
  private tail: Promise<void> = Promise.resolve();
  constructor(private readonly logger: Logger) {}
  push(what: string, write: () => Promise<void>): void {
    this.tail = this.tail.then(write).catch((err: Error) => this.logger.error({ err }, `could not record ${what}`));
  }
  drain(): Promise<void> {
    return this.tail;
  }
}

export class ProgressRecorder {
  readonly #writes: WriteChain;
  readonly #timing: RecorderTiming;
  #candidates: CandidateRecord[] = [];
  #lastPhase: string | undefined;
  #lastMessage: string | undefined;
  #lastSnapshot = Number.NEGATIVE_INFINITY;
  #lastLive = Number.NEGATIVE_INFINITY;
  /** The latest event inside the throttle window, not written yet. */
  #unsaved: ProgressEvent | undefined;
  /** The latest event that is not a generation's end or the run's: what a restarted process's snapshot builds on. */
  #lastPlain: ProgressEvent | undefined;
  #evaluated: number | undefined;
  #frontsWritten = 0;

  constructor(
    private readonly searchId: string,
    private readonly sinks: ProgressSinks,
    timing: Partial<RecorderTiming> = {},
  ) {
    this.#writes = new WriteChain(sinks.logger);
    this.#timing = { ...DEFAULT_TIMING, ...timing };
  }

  /** Fronts written by this run (a generation's end or the run's). */
  get frontsWritten(): number {
    return this.#frontsWritten;
  }

  /** A database write of the search's, in order with the recorder's own. */
  write(what: string, write: () => Promise<void>): void {
    this.#writes.push(what, write);
  }

  candidate(candidate: CandidateRecord): void {
    this.#candidates.push(candidate);
  }

  progress(event: ProgressEvent): void {
    const now = this.#timing.now();
    const phaseChanged = event.phase !== this.#lastPhase;
    this.#lastPhase = event.phase;
    if (event.kind === "supernet-step" && event.imagesPerSec !== undefined) this.sinks.throughput(event.imagesPerSec);
    else if (phaseChanged) this.sinks.throughput(undefined);
    if ("candidatesEvaluated" in event) {
      // The count restarts from the checkpoint on a resume; only growth is new work.
      if (this.#evaluated !== undefined && event.candidatesEvaluated > this.#evaluated) {
        this.sinks.evaluated(event.candidatesEvaluated - this.#evaluated);
      }
      this.#evaluated = event.candidatesEvaluated;
    }
    if (event.kind === "generation" || event.kind === "done") {
      // The run's end carries the exported front (after any latency limit): it stands for the last generation's.
      this.#writeFront(event.generation, event.front, event.hypervolume);
    } else {
      this.#lastPlain = event;
    }
    // A new message goes through at once; a repeated one does not: the final phase names the model it trains on
    // every step, and those steps are throttled like the super-network's.
    const messageChanged = event.message !== undefined && event.message !== this.#lastMessage;
    if (event.message !== undefined) this.#lastMessage = event.message;
    const important = phaseChanged || messageChanged || event.kind === "generation" || event.kind === "done";
    // A phase's last event is written before the next phase starts, even inside the throttle window, so a short
    // training phase still leaves its final loss and images/s in the metrics history.
    if (phaseChanged && this.#unsaved) this.#save(this.#unsaved);
    this.#unsaved = event;
    if (important || now - this.#lastSnapshot >= this.#timing.snapshotEveryMs) {
      this.#lastSnapshot = now;
      this.#unsaved = undefined;
      // Candidates go in batches, with the snapshots.
      this.#flushCandidates();
      this.#save(event);
      this.sinks.jobProgress({ phase: event.phase, percent: event.percent });
    }
    if (important || now - this.#lastLive >= this.#timing.liveEveryMs) {
      this.#lastLive = now;
      this.sinks.publish(event);
    }
  }

  /**
   * The process training the search died and another took over: what the dead one reported is stored, and the
   * snapshot says so before its successor reports again.
   */
  restarted(message: string): void {
    this.#flushCandidates();
    const snapshot: ProgressEvent = {
      ...(this.#lastPlain ?? { kind: "dataset", phase: "dataset", percent: 0 }),
      message,
    };
    this.#unsaved = undefined;
    this.#save(snapshot);
    this.sinks.publish(snapshot);
  }

  /** Writes what is still buffered and waits for every write to land. */
  async flush(): Promise<void> {
    this.#flushCandidates();
    await this.#writes.drain();
  }

  #save(event: ProgressEvent): void {
    this.#writes.push("progress", () => this.sinks.records.saveProgress(this.searchId, event));
  }

  #flushCandidates(): void {
    if (this.#candidates.length === 0) return;
    const batch = this.#candidates;
    this.#candidates = [];
    this.#writes.push("candidates", () => this.sinks.records.upsertCandidates(this.searchId, batch));
  }

  #writeFront(generation: number, front: FrontPoint[], hypervolume: number): void {
    this.#frontsWritten++;
    // Members must be candidates before the front names them.
    this.#flushCandidates();
    this.#writes.push("front", () => this.sinks.records.setFront(this.searchId, generation, front, hypervolume));
  }
}
