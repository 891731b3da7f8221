// Values the pages derive from the API's answers (types in schema.ts): only what the UI needs beyond the answer.
import type { Parallel, ParallelRow, Progress, Search, SearchDetail } from "./schema";

/** One line of the parallel-coordinates chart: a candidate, whether it is on the front, how many it stands for. */
export type ParallelLine = ParallelRow & { onFront: boolean };

export interface ParallelView {
  total: number;
  /** The most stages any line has. */
  stages: number;
  lines: ParallelLine[];
}

export function parallelView(answer: Parallel): ParallelView {
  return {
    total: answer.total,
    stages: answer.stages,
    lines: [
      ...answer.front.map((row) => ({ ...row, count: 1, onFront: true })),
      ...answer.others.map((row) => ({ ...row, onFront: false })),
    ],
  };
}

/** A search's progress as the bars show it: a search with no progress event yet is at 0% of no phase. */
export const progressOf = (search: Search): Progress => search.progress ?? { phase: "", percent: 0 };

/** Who submitted the search: the key's name. */
export const submitterOf = (search: Search): string | undefined => search.submitter?.name;

/** What the job asked for: shown once the last progress event no longer says. */
export interface Planned {
  epochs?: number;
  generations?: number;
  finalTop?: number;
  baselines: number;
}

export function plannedOf(search: SearchDetail): Planned {
  const job = search.job as {
    supernet?: { epochs?: number };
    search?: { generations?: number };
    final?: { top?: number };
    baselines?: { builtin?: unknown[]; archs?: unknown[] };
  };
  return {
    ...(job.supernet?.epochs !== undefined ? { epochs: job.supernet.epochs } : {}),
    ...(job.search?.generations !== undefined ? { generations: job.search.generations } : {}),
    ...(job.final?.top !== undefined ? { finalTop: job.final.top } : {}),
    baselines: (job.baselines?.builtin?.length ?? 0) + (job.baselines?.archs?.length ?? 0),
  };
}
