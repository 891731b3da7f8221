// What one submission may ask of the service: the cost of the job (estimated by @vitnas/formats before it is queued,
// so a job that cannot finish is refused instead of holding a worker for months) and the team's queued plus running
// searches (so one team cannot fill the queue in front of the others).
import { estimateJob, type JobEstimate, type NasSearch } from "@vitnas/formats";
import { ApiError } from "./errors";

export interface JobLimits {
  /** MAX_JOB_TRAINING_MACS: training images x epochs x largest sub-network MACs x passes per image (estimateJob). */
  trainingMacs: number;
  /** MAX_JOB_EVALUATIONS: population x (generations + 1). */
  evaluations: number;
  /** MAX_JOB_EVALUATION_MACS: evaluations x validation images x the largest candidate's MACs. */
  evaluationMacs: number;
  /** MAX_JOB_DATASET_BYTES: every split as float32. */
  datasetBytes: number;
  /** MAX_ACTIVE_SEARCHES_PER_TEAM: queued plus running searches of one team (a team's own limit replaces it). */
  activeSearchesPerTeam: number;
  /** MAX_QUEUED_SEARCHES_PER_TEAM: queued searches of one team (a team's own limit replaces it). */
  queuedSearchesPerTeam: number;
}

// About 40 times the largest example job (examples/cifar10.json: 2.4e15 training MACs, 704 evaluations, 0.7 GB).
export const DEFAULT_JOB_LIMITS: JobLimits = {
  trainingMacs: 1e17,
  evaluations: 100_000,
  evaluationMacs: 1e17,
  datasetBytes: 8 * 2 ** 30,
  activeSearchesPerTeam: 20,
  queuedSearchesPerTeam: 20,
};

/** What a team over its quota is told to wait before trying again: searches take minutes at the least. */
export const QUOTA_RETRY_AFTER_S = 60;

/** One limit a job exceeds: its variable, the figure, and the job's field that drives it most. */
export interface LimitExceeded {
  limit: string;
  max: number;
  value: number;
  path: string;
  /** Every field the figure is a product of. */
  fields: string[];
  message: string;
}

// Schema defaults (or typical values) of the fields that multiply into a figure: the field furthest above its
// reference is named as the one to lower.
function driver(factors: [path: string, value: number, reference: number][]): string {
  return factors.reduce((a, b) => (b[1] / b[2] > a[1] / a[2] ? b : a))[0];
}

const fmt = (n: number) => (Number.isSafeInteger(n) && n < 1e9 ? String(n) : n.toExponential(2));

export function jobLimitsExceeded(job: NasSearch, e: JobEstimate, limits: JobLimits): LimitExceeded[] {
  const { epochs } = job.supernet;
  const { population, generations } = job.search;
  const { train, val, test } = e.images;
  const out: LimitExceeded[] = [];
  const check = (
    limit: string,
    max: number,
    value: number | null,
    factors: [string, number, number][],
    why: string,
  ) => {
    if (value === null || value <= max) return;
    const path = driver(factors);
    const message = `${path}: ${why} = ${fmt(value)} exceeds ${limit} (${fmt(max)})`;
    out.push({ limit, max, value, path, fields: factors.map((f) => f[0]), message });
  };
  check(
    "MAX_JOB_TRAINING_MACS",
    limits.trainingMacs,
    // A job that names a trained super-network (`supernet.from`) trains none (docs/supernet-reuse.md).
    job.supernet.from === undefined ? e.trainingMacs : null,
    [
      ["supernet.epochs", epochs, 4],
      ["dataset.train", train ?? 0, 4000],
      ["space", e.largestMacs, 1e8],
      // Whole batches: every sub-network of a step reads every image (the default, 4 of them with 13 passes).
      ["supernet.archsPerStep", e.supernetPasses, 13],
    ],
    `training work ${fmt(train ?? 0)} images x ${epochs} epochs x ${fmt(e.largestMacs)} MACs x ${e.supernetPasses} passes`,
  );
  check(
    "MAX_JOB_EVALUATIONS",
    limits.evaluations,
    e.evaluations,
    [
      ["search.population", population, 32],
      ["search.generations", generations + 1, 7],
    ],
    `evaluations ${population} population x ${generations + 1} generations`,
  );
  check(
    "MAX_JOB_EVALUATION_MACS",
    limits.evaluationMacs,
    e.evaluationMacs,
    [
      ["search.population", population, 32],
      ["search.generations", generations + 1, 7],
      ["dataset.val", val ?? 0, 1000],
    ],
    `evaluation work ${fmt(e.evaluations)} evaluations x ${fmt(val ?? 0)} images x ${fmt(e.candidateMacs)} MACs`,
  );
  const side = job.space.input.imageSize;
  check(
    "MAX_JOB_DATASET_BYTES",
    limits.datasetBytes,
    e.datasetBytes,
    [
      ["dataset.train", train ?? 0, 4000],
      ["dataset.val", val ?? 0, 1000],
      ["dataset.test", test ?? 0, 1000],
      ["space.input.imageSize", side * side, 32 * 32],
    ],
    `dataset memory ${fmt((train ?? 0) + (val ?? 0) + (test ?? 0))} images x ${side}x${side}x${job.space.input.channels} x 4 bytes`,
  );
  return out;
}

/** 422 with the estimate when the job exceeds a limit. */
export function requireWithinLimits(job: NasSearch, limits: JobLimits): JobEstimate {
  const estimate = estimateJob(job);
  const exceeded = jobLimitsExceeded(job, estimate, limits);
  if (exceeded.length > 0) {
    throw new ApiError(
      422,
      "job_too_large",
      `${exceeded.map((x) => x.message).join("; ")} (an operator's limit; lower the field named)`,
      { exceeded, estimate },
    );
  }
  return estimate;
}
