// Public API of the pipeline: the search as one library call, and the export bundles it writes.
export { abortError, isAbortError } from "./abort";
export { writeFileAtomic, writeJsonAtomic } from "./atomic-file";
export {
  type Bundle,
  type BundleMetrics,
  loadBundle,
  PREPROCESSING_FORMAT,
  type Preprocessing,
  standaloneAccuracy,
} from "./bundle";
export type { ParetoEntry } from "./export-front";
export { runSearch } from "./run-search";
export type * from "./types";
export { workDirLayout } from "./work-dir";
