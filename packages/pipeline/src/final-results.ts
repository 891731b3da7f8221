// What the final phase (final-phase.ts) reports of each architecture it trained: plain records, part of a search's
// result (types.ts). Kept apart from the phase, and importing nothing, so the contract in types.ts can name them
// without importing the phase, which imports progress.ts, which imports types.ts back.

export interface FinalResult {
  id: string;
  /** Top-1 accuracy of the trained model on the test split. */
  testAccuracy: number;
  /** On the validation split: held out unless `trainOnVal`. */
  valAccuracy: number;
  mode: "finetune" | "scratch";
  epochs: number;
  /** The trained bundle, relative to the output directory. */
  bundle: string;
}

/** A baseline's figures: the final phase's, under the name the job gave it. */
export interface BaselineResult extends FinalResult {
  /** `uniform-smallest`, `uniform-median`, `uniform-largest`, or `archs[i]` for the job's own. */
  name: string;
  macs: number;
  params: number;
}
