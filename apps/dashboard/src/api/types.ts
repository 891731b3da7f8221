// What the dashboard reads from the API, and readers that accept the few spellings a field may come in, so one
// place adapts when a response changes shape.
import type { VitArch } from "@vitnas/formats";

export type SearchStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";
export const SEARCH_STATUSES: SearchStatus[] = ["queued", "running", "succeeded", "failed", "cancelled"];

export interface Progress {
  phase: string;
  percent: number;
  epoch?: number;
  epochs?: number;
  generation?: number;
  generations?: number;
  candidates?: number;
  etaSeconds?: number;
  loss?: number;
  imagesPerSec?: number;
  /** The training step within the epoch (the final phase's per-model training reports it). */
  step?: number;
  steps?: number;
  message?: string;
}

export interface Search {
  id: string;
  name: string;
  status: SearchStatus;
  progress: Progress;
  backend?: string;
  submitter?: string;
  createdAt?: string;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
  /** What the job asked for, when the API includes the job: shown once the last progress event no longer says. */
  planned?: { epochs?: number; generations?: number; finalTop?: number; baselines?: number };
}

export interface Point {
  id: string;
  /** Validation accuracy with the weights inherited from the super-network. */
  accuracy: number;
  macs: number;
  params?: number;
  generation?: number;
  /** The final phase's figures, for an architecture it trained alone: its test accuracy, epochs and mode. */
  testAccuracy?: number;
  finalEpochs?: number;
  finalMode?: string;
  /** Batch-1 latency in ONNX Runtime on the worker's CPU (median, p90, threads), when the search measured it. */
  latencyMs?: number;
  latencyP90Ms?: number;
  latencyThreads?: number;
}

export interface Scatter {
  front: Point[];
  others: Point[];
  total: number;
}

export interface FrontStep {
  generation: number;
  hypervolume?: number;
  points: Point[];
}

export interface MetricSample {
  /** Milliseconds since the epoch. */
  at: number;
  step?: number;
  loss?: number;
  imagesPerSec?: number;
}

export interface ArchitectureDetail {
  id: string;
  arch: VitArch;
  metrics: Point & { onFront?: boolean; finalValAccuracy?: number; latencyRuns?: number; latencyCpu?: string };
}

export interface Me {
  team: string;
  key: string;
}

type Loose = Record<string, unknown>;

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);
const obj = (v: unknown): Loose => (typeof v === "object" && v !== null ? (v as Loose) : {});
const named = (v: unknown): string | undefined => str(v) ?? str(obj(v).name) ?? str(obj(v).id);

export function readProgress(raw: unknown): Progress {
  const p = obj(raw);
  return {
    phase: str(p.phase) ?? "",
    percent: Math.max(0, Math.min(100, num(p.percent) ?? 0)),
    epoch: num(p.epoch),
    epochs: num(p.epochs),
    generation: num(p.generation),
    generations: num(p.generations),
    candidates: num(p.candidates) ?? num(p.candidatesEvaluated),
    etaSeconds: num(p.etaSeconds),
    loss: num(p.loss),
    imagesPerSec: num(p.imagesPerSec) ?? num(p.imagesPerSecond),
    step: num(p.step),
    steps: num(p.steps),
    message: str(p.message),
  };
}

export function readSearch(raw: unknown): Search {
  const s = obj(raw);
  const job = obj(s.job);
  const timings = obj(s.timings);
  const status = str(s.status) as SearchStatus | undefined;
  return {
    id: String(s.id ?? ""),
    name: str(s.name) ?? str(job.name) ?? String(s.id ?? ""),
    status: status && SEARCH_STATUSES.includes(status) ? status : "queued",
    progress: readProgress(s.progress),
    backend: str(s.backend),
    submitter: named(s.submitter) ?? named(s.submittedBy) ?? named(s.key),
    createdAt: str(s.createdAt) ?? str(timings.createdAt) ?? str(timings.queuedAt) ?? str(s.submittedAt),
    startedAt: str(s.startedAt) ?? str(timings.startedAt),
    finishedAt: str(s.finishedAt) ?? str(timings.finishedAt),
    error: str(s.error) ?? str(obj(s.error).message),
    planned:
      s.job === undefined
        ? undefined
        : {
            epochs: num(obj(job.supernet).epochs),
            generations: num(obj(job.search).generations),
            finalTop: num(obj(job.final).top),
            baselines:
              (Array.isArray(obj(job.baselines).builtin) ? (obj(job.baselines).builtin as unknown[]).length : 0) +
              (Array.isArray(obj(job.baselines).archs) ? (obj(job.baselines).archs as unknown[]).length : 0),
          },
  };
}

/** A page of a list: the items under the first array-valued key the API uses, and the cursor of the next page. */
export function readPage(raw: unknown): { items: unknown[]; nextCursor?: string } {
  if (Array.isArray(raw)) return { items: raw };
  const page = obj(raw);
  const items = [page.items, page.searches, page.candidates, page.data].find(Array.isArray) ?? [];
  return { items, nextCursor: str(page.nextCursor) ?? str(page.cursor) };
}

export function readPoint(raw: unknown): Point {
  const p = obj(raw);
  const metrics = obj(p.metrics);
  return {
    id: String(p.id ?? p.archId ?? ""),
    accuracy: num(p.accuracy) ?? num(metrics.accuracy) ?? 0,
    macs: num(p.macs) ?? num(metrics.macs) ?? 0,
    params: num(p.params) ?? num(metrics.params),
    generation: num(p.generation),
    testAccuracy: num(p.testAccuracy) ?? num(metrics.testAccuracy),
    finalEpochs: num(p.finalEpochs) ?? num(metrics.finalEpochs),
    finalMode: str(p.finalMode) ?? str(metrics.finalMode),
    latencyMs: num(p.latencyMs) ?? num(metrics.latencyMs),
    latencyP90Ms: num(p.latencyP90Ms) ?? num(metrics.latencyP90Ms),
    latencyThreads: num(p.latencyThreads) ?? num(metrics.latencyThreads),
  };
}

const points = (v: unknown): Point[] => (Array.isArray(v) ? v.map(readPoint) : []);

export function readScatter(raw: unknown): Scatter {
  const s = obj(raw);
  const front = points(s.front);
  const others = points(s.others ?? s.points ?? s.rest);
  return { front, others, total: num(s.total) ?? front.length + others.length };
}

export function readFronts(raw: unknown): FrontStep[] {
  const list = Array.isArray(raw) ? raw : readPage(raw).items.length ? readPage(raw).items : obj(raw).generations;
  if (!Array.isArray(list)) return [];
  return list.map((g, i) => {
    const step = obj(g);
    return {
      generation: num(step.generation) ?? i,
      hypervolume: num(step.hypervolume),
      points: points(step.front ?? step.points),
    };
  });
}

export function readMetrics(raw: unknown): MetricSample[] {
  const m = obj(raw);
  const list = Array.isArray(raw) ? raw : [m.samples, m.training, m.points, m.items].find(Array.isArray);
  if (!Array.isArray(list)) return [];
  return list
    .map((row) => {
      const r = obj(row);
      const at = str(r.at) ? Date.parse(String(r.at)) : (num(r.at) ?? Number.NaN);
      return { at, step: num(r.step), loss: num(r.loss), imagesPerSec: num(r.imagesPerSec) ?? num(r.imagesPerSecond) };
    })
    .filter((sample) => Number.isFinite(sample.at));
}

export function readArchitecture(raw: unknown, id: string): ArchitectureDetail {
  const a = obj(raw);
  const given = obj(a.metrics);
  const metrics = {
    ...readPoint({ id, ...given }),
    onFront: typeof given.onFront === "boolean" ? given.onFront : undefined,
    finalValAccuracy: num(given.finalValAccuracy),
    latencyRuns: num(given.latencyRuns),
    latencyCpu: str(given.latencyCpu),
  };
  return { id, arch: a.arch as VitArch, metrics };
}

export function readMe(raw: unknown): Me {
  const m = obj(raw);
  return { team: named(m.team) ?? "", key: named(m.key) ?? str(obj(m.key).prefix) ?? "" };
}

export interface StageRow {
  depth: number;
  width: number;
  heads: number;
  mlpHidden: number;
  attention: string;
  reduction: string;
}

/** One candidate for parallel coordinates: its figures and its stages' choices. */
export interface ParallelRow extends Point {
  /** Candidates the row stands for (1 unless the API downsampled). */
  count: number;
  onFront: boolean;
  stages: StageRow[];
}

export interface ParallelData {
  total: number;
  stages: number;
  rows: ParallelRow[];
}

const stageRow = (raw: unknown): StageRow => {
  const s = obj(raw);
  return {
    depth: num(s.depth) ?? 0,
    width: num(s.width) ?? 0,
    heads: num(s.heads) ?? 0,
    mlpHidden: num(s.mlpHidden) ?? 0,
    attention: str(s.attention) ?? "none",
    reduction: str(s.reduction) ?? "none",
  };
};

export function readParallel(raw: unknown): ParallelData {
  const p = obj(raw);
  const rows = (list: unknown, onFront: boolean): ParallelRow[] =>
    (Array.isArray(list) ? list : []).map((r) => ({
      ...readPoint(r),
      count: num(obj(r).count) ?? 1,
      onFront,
      stages: Array.isArray(obj(r).stages) ? (obj(r).stages as unknown[]).map(stageRow) : [],
    }));
  const all = [...rows(p.front, true), ...rows(p.others, false)];
  return {
    total: num(p.total) ?? all.reduce((n, r) => n + r.count, 0),
    stages: num(p.stages) ?? Math.max(0, ...all.map((r) => r.stages.length)),
    rows: all,
  };
}

export interface OptionAccuracy {
  value: string;
  candidates: number;
  mean: number;
  std: number;
  effect: number;
}

export interface ChoiceImportance {
  key: string;
  label: string;
  importance: number;
  options: OptionAccuracy[];
}

export interface Importance {
  total: number;
  samples: number;
  explained: number;
  choices: ChoiceImportance[];
}

export function readImportance(raw: unknown): Importance {
  const r = obj(raw);
  const choices = Array.isArray(r.choices) ? r.choices : [];
  return {
    total: num(r.total) ?? 0,
    samples: num(r.samples) ?? 0,
    explained: num(r.explained) ?? 0,
    choices: choices.map((c) => {
      const choice = obj(c);
      const key = str(choice.key) ?? "";
      return {
        key,
        label: str(choice.label) ?? key,
        importance: num(choice.importance) ?? 0,
        options: (Array.isArray(choice.options) ? choice.options : []).map((o) => {
          const option = obj(o);
          return {
            value: String(option.value ?? ""),
            candidates: num(option.candidates) ?? 0,
            mean: num(option.mean) ?? 0,
            std: num(option.std) ?? 0,
            effect: num(option.effect) ?? 0,
          };
        }),
      };
    }),
  };
}

export interface ComparedSearch {
  id: string;
  name: string;
  status: SearchStatus;
  total: number;
  front: Point[];
  hypervolume: number;
  generations: { generation: number; hypervolume: number }[];
}

export interface Comparison {
  referenceMacs: number;
  searches: ComparedSearch[];
}

export function readComparison(raw: unknown): Comparison {
  const c = obj(raw);
  const searches = Array.isArray(c.searches) ? c.searches : [];
  return {
    referenceMacs: num(c.referenceMacs) ?? 0,
    searches: searches.map((s) => {
      const search = readSearch(s);
      const item = obj(s);
      return {
        id: search.id,
        name: search.name,
        status: search.status,
        total: num(item.total) ?? 0,
        front: points(item.front),
        hypervolume: num(item.hypervolume) ?? 0,
        generations: (Array.isArray(item.generations) ? item.generations : []).map((g, i) => ({
          generation: num(obj(g).generation) ?? i,
          hypervolume: num(obj(g).hypervolume) ?? 0,
        })),
      };
    }),
  };
}

/** A reference architecture the job trained alone beside the front (GET /v1/searches/:id/baselines). */
export interface Baseline {
  name: string;
  macs: number;
  params: number;
  testAccuracy: number;
  valAccuracy?: number;
  epochs?: number;
  mode?: string;
  /** Where its trained bundle is downloaded. */
  download?: string;
}

export function readBaselines(raw: unknown): Baseline[] {
  return readPage(raw).items.map((item) => {
    const b = obj(item);
    return {
      name: str(b.name) ?? "",
      macs: num(b.macs) ?? 0,
      params: num(b.params) ?? 0,
      testAccuracy: num(b.testAccuracy) ?? 0,
      valAccuracy: num(b.valAccuracy),
      epochs: num(b.epochs),
      mode: str(b.mode),
      download: str(b.download),
    };
  });
}
