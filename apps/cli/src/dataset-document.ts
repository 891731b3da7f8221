// What a `--dataset <file>` stands for in `nas train` and `nas eval`: a nas-search/v1 job, `{ dataset, supernet?,
// seed?, name? }`, or a bare dataset section. Either way a job around the model's own space, so the dataset's
// defaults (image size, channels, classes) come from the model's input, never from another space a job held.
import type { VitSpace } from "@vitnas/formats";

export interface DatasetDocument {
  /** A nas-search/v1 document to validate (its space replaced by `space`). */
  job: Record<string, unknown>;
  /** The file was a whole job (for messages). */
  isJob: boolean;
  /** The file named its job. */
  named: boolean;
}

export function jobAround(doc: unknown, space: VitSpace): DatasetDocument {
  const d = (doc !== null && typeof doc === "object" && !Array.isArray(doc) ? doc : {}) as Record<string, unknown>;
  const isJob = d.format === "nas-search/v1";
  const job: Record<string, unknown> = isJob
    ? { ...d, space }
    : {
        format: "nas-search/v1",
        space,
        dataset: "dataset" in d ? d.dataset : doc,
        ...("supernet" in d ? { supernet: d.supernet } : {}),
        ...("seed" in d ? { seed: d.seed } : {}),
        ...("name" in d ? { name: d.name } : {}),
      };
  return { job, isJob, named: "name" in d };
}
