// What POST /v1/spaces/estimate answers about a job being written: the issues submission would report, the
// space's size and MACs range, the job's cost estimate and the operator's limits it exceeds.
import type { FieldIssue } from "./client";

export interface Count {
  macs: number;
  params: number;
}

export interface SpaceFigures {
  /** Distinct architectures, in decimal (often beyond what a double holds exactly). */
  size: string;
  smallest: Count;
  largest: Count;
}

export interface JobEstimate {
  images: { train: number | null; val: number | null; test: number | null };
  largestMacs: number;
  candidateMacs: number;
  trainingMacs: number | null;
  evaluations: number;
  evaluationMacs: number | null;
  datasetBytes: number | null;
  assumptions: string[];
}

export interface LimitExceeded {
  limit: string;
  path: string;
  message: string;
}

export interface Estimate {
  valid: boolean;
  issues: FieldIssue[];
  space: SpaceFigures | null;
  estimate: JobEstimate | null;
  limits: LimitExceeded[];
}

type Loose = Record<string, unknown>;
const obj = (v: unknown): Loose => (typeof v === "object" && v !== null ? (v as Loose) : {});
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const count = (v: unknown): Count => ({ macs: num(obj(v).macs) ?? 0, params: num(obj(v).params) ?? 0 });

export function readEstimate(raw: unknown): Estimate {
  const r = obj(raw);
  const space = r.space ? obj(r.space) : null;
  const e = r.estimate ? obj(r.estimate) : null;
  const images = obj(e?.images);
  return {
    valid: r.valid === true,
    issues: list(r.issues).map((i) => ({ path: String(obj(i).path ?? ""), message: String(obj(i).message ?? "") })),
    space: space && {
      size: typeof space.size === "string" ? space.size : "",
      smallest: count(space.smallest),
      largest: count(space.largest),
    },
    estimate: e && {
      images: { train: num(images.train), val: num(images.val), test: num(images.test) },
      largestMacs: num(e.largestMacs) ?? 0,
      candidateMacs: num(e.candidateMacs) ?? 0,
      trainingMacs: num(e.trainingMacs),
      evaluations: num(e.evaluations) ?? 0,
      evaluationMacs: num(e.evaluationMacs),
      datasetBytes: num(e.datasetBytes),
      assumptions: list(e.assumptions).map(String),
    },
    limits: list(r.limits).map((l) => ({
      limit: String(obj(l).limit ?? ""),
      path: String(obj(l).path ?? ""),
      message: String(obj(l).message ?? ""),
    })),
  };
}
