// Public API of the pipeline: the search as one library call, standalone training of one architecture, and the
// export bundles both write.
export { abortError, isAbortError } from "./abort";
export { writeFileAtomic, writeJsonAtomic } from "./atomic-file";
export { type Bundle, loadBundle, standaloneAccuracy } from "./bundle";
export {
  type BundleMetrics,
  PREPROCESSING_FORMAT,
  type Preprocessing,
  type StandaloneTraining,
} from "./bundle-documents";
export type { ParetoEntry } from "./export-front";
export { baselineArchs, spreadAlongFront } from "./final-phase";
export type { BaselineResult, FinalResult } from "./final-results";
export { ProgressClock } from "./progress";
export type { EvaluationTarget, Fanout, FanoutMode, GenerationEvaluator } from "./remote-evaluator";
export { paretoSvg, reportMarkdown, winsOverBaselines } from "./report";
export { runSearch } from "./run-search";
// The phases on their own, for benches that train several super-networks or run several searches on one.
export { runEvolution } from "./search-phase";
export { checkpointName, trainSupernet } from "./supernet-phase";
export type { ReusableSupernet, SubnetFigures, TrainedSupernet } from "./supernet-records";
export {
  aloneRecipe,
  type TrainAloneInput,
  type TrainAloneOptions,
  type TrainAloneResult,
  type TrainProgress,
  trainAlone,
} from "./train-alone";
export type * from "./types";
export { workDirLayout } from "./work-dir";
