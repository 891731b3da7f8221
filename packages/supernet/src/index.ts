// Public API of the super-network package.

export { writeFileAtomic, writeJsonAtomic } from "./atomic-file";
export type { AttentionContext, AttentionDims, AttentionModule } from "./attention";
export { attentionModule, attentionRegistry } from "./attention";
export { type BackendInfo, type BackendName, currentBackend, type InitBackendOptions, initBackend } from "./backend";
export { CHECKPOINT_FORMAT, hasCheckpoint, loadCheckpoint, loadSupernet, saveCheckpoint } from "./checkpoint";
export { type EvaluateOptions, Evaluator, evaluate } from "./evaluate";
export { extract } from "./extract";
export { forkAttentionTypes } from "./fork";
export { archForward, type ForwardOptions, RECOMPUTE_TOKENS } from "./model";
export { type ParallelEvaluateOptions, ParallelEvaluator } from "./parallel/evaluator";
export { threadsFromEnv } from "./parallel/threads";
export { ropeAngles } from "./position";
export { rewire } from "./rewire";
export { ArchSampler, largestSubnet, narrowSpace, type SamplerState, smallestSubnet } from "./sampler";
export { candidateCount, castlingBranchWeight, learningRate } from "./schedule";
export { type SelfTestResult, selfTest } from "./self-test";
export {
  chooseTypes,
  describeShrink,
  type ShrinkRecord,
  shrinkAttention,
  type TypeScore,
} from "./shrink";
export {
  type AttentionWeights,
  ownedName,
  placedName,
  reachableGrids,
  supernetWeights,
  type TokenWeights,
} from "./space";
export { StandaloneModel, WEIGHTS_FORMAT } from "./standalone";
export { Supernet, type SupernetOptions } from "./supernet";
export { type StepReport, type TrainConfig, Trainer, type TrainerOptions, type TrainRunOptions } from "./trainer";
export { INIT_SCHEMES, type InitScheme, type WeightSource, type WeightSpec } from "./weights";
