// A space or a job as it would be, computed before it is submitted (the dashboard asks while one is being written):
// the issues submission would report, the space's size and the MACs and parameters of its smallest and largest
// architectures, the job's cost estimate and the operator's limits it would exceed.
import {
  countArch,
  estimateJob,
  type JobEstimate,
  largestArch,
  smallestArch,
  spaceSize,
  type ValidationIssue,
  type VitSpace,
  validateDocument,
  validateSpace,
} from "@vitnas/formats";
import { serviceIssues } from "./job-checks";
import { type JobLimits, jobLimitsExceeded, type LimitExceeded } from "./job-limits";

export interface Count {
  macs: number;
  params: number;
}

export interface SpaceFigures {
  /** Distinct architectures, in decimal: spaces easily hold more than 2^53. */
  size: string;
  smallest: Count;
  largest: Count;
}

export interface Estimate {
  format: "vit-space/v1" | "nas-search/v1" | null;
  /** Whether submission would accept it (the team's quota of active searches aside). */
  valid: boolean;
  issues: ValidationIssue[];
  space: SpaceFigures | null;
  estimate: JobEstimate | null;
  limits: LimitExceeded[];
}

const counted = ({ macs, params }: Count): Count => ({ macs, params });

export function spaceFigures(space: VitSpace): SpaceFigures {
  return {
    size: spaceSize(space).toString(),
    smallest: counted(countArch(smallestArch(space))),
    largest: counted(countArch(largestArch(space))),
  };
}

const nothing = { space: null, estimate: null, limits: [] };

export async function estimateDocument(
  doc: unknown,
  datasetRoots: readonly string[],
  limits: JobLimits,
): Promise<Estimate> {
  const checked = validateDocument(doc);
  switch (checked.format) {
    case "vit-space/v1": {
      const { result } = checked;
      if (!result.ok) return { format: checked.format, valid: false, issues: result.errors, ...nothing };
      return { format: checked.format, valid: true, issues: [], ...nothing, space: spaceFigures(result.value) };
    }
    case "nas-search/v1": {
      const { result } = checked;
      if (!result.ok) {
        // The space may be sound while the rest of the job is not: its figures still guide whoever writes the job.
        const space = validateSpace((doc as { space?: unknown }).space);
        return {
          format: checked.format,
          valid: false,
          issues: result.errors,
          ...nothing,
          space: space.ok ? spaceFigures(space.value) : null,
        };
      }
      const job = result.value;
      const issues = await serviceIssues(job, datasetRoots);
      const estimate = estimateJob(job);
      const exceeded = jobLimitsExceeded(job, estimate, limits);
      return {
        format: checked.format,
        valid: issues.length === 0 && exceeded.length === 0,
        issues,
        space: spaceFigures(job.space),
        estimate,
        limits: exceeded,
      };
    }
    case "vit-arch/v1":
      return {
        format: null,
        valid: false,
        issues: [
          { path: "format", message: 'must be "vit-space/v1" or "nas-search/v1": a space or a job is estimated' },
        ],
        ...nothing,
      };
    default:
      return { format: null, valid: false, issues: checked.result.errors, ...nothing };
  }
}
