// A job's `{ "kind": "uploaded", "id": ... }` resolved at submission: the id must be one of the team's datasets (an
// unknown or another team's id is refused naming dataset.id), the upload's digest and detected kind are written into
// the job (the worker fetches it by digest and loads it as that kind), and what the check found at upload is held
// against the space and the split options (docs/datasets.md).

import { type DatasetSummary, uploadedSpec } from "@vitnas/datasets";
import { type Db, isUuid } from "@vitnas/db";
import type { NasSearch, ValidationIssue } from "@vitnas/formats";

export async function uploadedDatasetIssues(db: Db, teamId: string, job: NasSearch): Promise<ValidationIssue[]> {
  const dataset = job.dataset;
  if (dataset.kind !== "uploaded") return [];
  const record = isUuid(dataset.id) ? await db.datasets.get(dataset.id, teamId) : undefined;
  if (!record) {
    return [{ path: "dataset.id", message: `no dataset ${dataset.id} in this team (GET /v1/datasets lists them)` }];
  }
  const summary = record.summary as unknown as DatasetSummary;
  dataset.sha256 = record.sha256;
  dataset.format = summary.format;
  const issues: ValidationIssue[] = [];
  try {
    uploadedSpec(dataset, summary.layout, "/");
  } catch (err) {
    const [path, ...message] = (err as Error).message.split(": ");
    issues.push({ path: path!, message: message.join(": ") });
  }
  const input = job.space.input;
  const where = `dataset ${dataset.id} (${summary.format})`;
  const classes = dataset.labels === "coarse" && summary.coarseClasses ? summary.coarseClasses : summary.classes;
  if (input.classes !== classes) {
    issues.push({
      path: "space.input.classes",
      message: `must be ${classes}, the classes of ${where} (is ${input.classes})`,
    });
  }
  // Grayscale is replicated into 3 channels; colour is never made gray, but a folder's images are converted either way.
  const channels = summary.channels === 3 && summary.format !== "folder" ? [3] : [1, 3];
  if (!channels.includes(input.channels)) {
    issues.push({
      path: "space.input.channels",
      message: `must be ${channels.join(" or ")} for ${where}, whose images have ${summary.channels} (is ${input.channels})`,
    });
  }
  if ((summary.format === "cifar10" || summary.format === "cifar100") && input.imageSize !== 32) {
    issues.push({ path: "space.input.imageSize", message: `must be 32 for ${where} (is ${input.imageSize})` });
  }
  if (summary.format !== "folder") {
    const heldOut = summary.test === null ? (dataset.test ?? 1000) : 0;
    const val = dataset.val ?? 1000;
    if (val + heldOut >= summary.train) {
      issues.push({
        path: "dataset.val",
        message: `${val} validation${heldOut ? ` and ${heldOut} test` : ""} images asked, but ${where} holds ${summary.train} training images`,
      });
    }
  }
  return issues;
}
