// Overall percent and ETA across phases. Each phase owns a slice of 0..100; the ETA extrapolates from the progress
// made by this run only, so a resumed run does not count the work done before it started as instantaneous.
import type { Phase, ProgressEvent, ProgressKind } from "./types";

const SLICES: Record<Phase, [number, number]> = {
  dataset: [0, 2],
  supernet: [2, 77],
  search: [77, 97],
  export: [97, 100],
  final: [100, 100],
  done: [100, 100],
};
/** With a final phase, training the winners takes a share of the run like the super-network's. */
const WITH_FINAL: Record<Phase, [number, number]> = {
  dataset: [0, 2],
  supernet: [2, 57],
  search: [57, 72],
  export: [72, 74],
  final: [74, 100],
  done: [100, 100],
};

/** The phase each kind of event belongs to. */
const PHASE_OF: { [K in ProgressKind]: Extract<ProgressEvent, { kind: K }>["phase"] } = {
  dataset: "dataset",
  "supernet-step": "supernet",
  "supernet-reused": "supernet",
  evaluation: "search",
  generation: "search",
  export: "export",
  "final-step": "final",
  done: "done",
};

/** An event as a phase reports it: the clock adds its phase, the overall percent and the ETA. */
export type ProgressDetails = ProgressEvent extends infer E
  ? E extends ProgressEvent
    ? Omit<E, "phase" | "percent" | "etaSeconds">
    : never
  : never;

export class ProgressClock {
  #startedAt = performance.now();
  #startPercent: number | undefined;

  constructor(
    private readonly emit: ((event: ProgressEvent) => void) | undefined,
    private readonly slices = SLICES,
  ) {}

  /** A clock for a run with (or without) a final phase. */
  static forRun(emit: ((event: ProgressEvent) => void) | undefined, final: boolean): ProgressClock {
    return new ProgressClock(emit, final ? WITH_FINAL : SLICES);
  }

  /** Reports `fraction` (0..1) of the event's phase done, with the event's own details. */
  report(fraction: number, details: ProgressDetails) {
    if (!this.emit) return;
    const phase: Phase = PHASE_OF[details.kind];
    const [from, to] = this.slices[phase];
    const percent = Math.min(100, from + (to - from) * Math.min(1, Math.max(0, fraction)));
    // The first report of a run anchors the clock: before it, nothing this run did has been measured.
    if (this.#startPercent === undefined) {
      this.#startPercent = percent;
      this.#startedAt = performance.now();
    }
    const gained = percent - this.#startPercent;
    const elapsed = (performance.now() - this.#startedAt) / 1000;
    const event = { phase, percent: Math.round(percent * 100) / 100, ...details } as ProgressEvent;
    if (phase === "done") event.etaSeconds = 0;
    else if (gained >= 0.5 && elapsed > 0) event.etaSeconds = Math.round((elapsed * (100 - percent)) / gained);
    this.emit(event);
  }
}
