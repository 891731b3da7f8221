// Which local paths a queued search may read. Queued jobs come from API users, who must not learn anything about the
// worker's filesystem outside the directories the operator set aside for datasets (DATASET_ROOTS). The API checks
// at submission; the worker checks again on the filesystem it actually reads (the API may not see it, and a search
// submitted under other roots can be resumed). Local runs (`nas search`) are not restricted.
import { realpath } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { DatasetSpec, ValidationIssue } from "@vitnas/formats";

/** The same answer whether the path exists or not, so the refusal reveals nothing about the filesystem. */
export const OUTSIDE_DATASET_ROOTS = "not inside an allowed dataset root";
const NOT_ABSOLUTE = "must be an absolute path inside an allowed dataset root";

/** `DATASET_ROOTS`: colon-separated absolute directories; none (the default) allows only the synthetic dataset. */
export function parseDatasetRoots(raw: string | undefined): string[] {
  const roots = (raw ?? "").split(":").filter((root) => root !== "");
  for (const root of roots) {
    if (!isAbsolute(root)) throw new Error(`DATASET_ROOTS: "${root}" is not an absolute directory`);
  }
  return roots.map((root) => resolve(root));
}

/** The local paths a dataset reads, by field; idx file names are resolved against `path` as the reader does. */
function datasetPaths(dataset: DatasetSpec): { field: string; path: string; relativeTo?: string }[] {
  switch (dataset.kind) {
    case "synthetic":
    // An upload is read from the worker's own cache of the artifact store, never from a path the job names.
    case "uploaded":
      return [];
    case "cifar10":
    case "cifar100":
    case "npz":
      return [{ field: "path", path: dataset.path }];
    case "folder":
      return [
        { field: "path", path: dataset.path },
        ...(dataset.testPath !== undefined ? [{ field: "testPath", path: dataset.testPath }] : []),
      ];
    case "idx": {
      const files = (["trainImages", "trainLabels", "testImages", "testLabels"] as const).flatMap((field) => {
        const name = dataset[field];
        return name === undefined ? [] : [{ field, path: name, relativeTo: dataset.path }];
      });
      return [{ field: "path", path: dataset.path }, ...files];
    }
  }
}

/**
 * The path with every symlink resolved. A path that does not exist keeps its missing tail after its deepest existing
 * ancestor's real path: lexically `..`-free, yet a symlinked directory above it cannot lead outside unnoticed. Other
 * failures (too long, unreadable) leave it as resolved lexically.
 */
async function canonical(path: string): Promise<string> {
  const tail: string[] = [];
  let at = resolve(path);
  for (;;) {
    try {
      return join(await realpath(at), ...tail);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const parent = dirname(at);
      if ((code !== "ENOENT" && code !== "ENOTDIR") || parent === at) return resolve(path);
      tail.unshift(basename(at));
      at = parent;
    }
  }
}

function within(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** One issue per path field of the dataset that is not inside one of `roots` (all of them when there are none). */
export async function datasetRootIssues(dataset: DatasetSpec, roots: readonly string[]): Promise<ValidationIssue[]> {
  const issues: ValidationIssue[] = [];
  const realRoots = await Promise.all(roots.map(canonical));
  for (const { field, path, relativeTo } of datasetPaths(dataset)) {
    const issue = (message: string) => issues.push({ path: `dataset.${field}`, message });
    // A relative directory would be judged against the API's working directory but read from the worker's.
    if (relativeTo === undefined && !isAbsolute(path)) {
      issue(NOT_ABSOLUTE);
      continue;
    }
    const real = await canonical(resolve(relativeTo ?? "/", path));
    if (!realRoots.some((root) => within(root, real))) issue(OUTSIDE_DATASET_ROOTS);
  }
  return issues;
}
