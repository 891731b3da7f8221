// Evaluation fanned out across workers (docs/deployment.md, "Evaluation fan-out"): a generation's cache misses are
// handed to a `GenerationEvaluator` (the queue package's BullMQ flow) instead of this process's evaluator, and come
// back as evaluations in the order asked. The pipeline knows only this contract: it never imports the queue.
import { archHash, type DatasetSpec, type NasSearch, type VitArch } from "@vitnas/formats";
import type { Evaluation, EvaluationCache, EvaluationKey } from "@vitnas/search";

/**
 * `EVAL_FANOUT`: `off` evaluates in the search's own process (as before fan-out existed); `on` always hands a
 * generation to the evaluation queue; `auto` (the default) does when at least two evaluation workers listen,
 * since one remote worker is no faster than the search's own process and a queue round trip costs time.
 */
export type FanoutMode = "off" | "auto" | "on";

/** What an evaluation worker needs to rebuild the search's evaluator: the frozen weights and the validation split. */
export interface EvaluationTarget {
  searchId: string;
  /** The checkpoint's id (`checkpointName`): the worker refuses weights whose id differs. */
  checkpoint: string;
  /** The checkpoint directory, on the artifact store's shared disk. */
  checkpointDir: string;
  /** Fingerprint of the validation split; the worker checks the split it loads against it. */
  split: string;
  dataset: DatasetSpec;
  input: NasSearch["space"]["input"];
}

export interface GenerationEvaluator {
  /** Evaluations of `archs`, in their order; each is computed once however often its job is retried. */
  evaluate(
    target: EvaluationTarget,
    generation: number,
    archs: readonly VitArch[],
    signal?: AbortSignal,
  ): Promise<Evaluation[]>;
  /** Evaluation workers listening now (for `auto`). */
  workers(): Promise<number>;
}

export interface Fanout {
  mode: FanoutMode;
  evaluator: GenerationEvaluator;
  searchId: string;
}

/** Whether this generation goes to the evaluation queue: `auto` needs two workers and two misses to share. */
export async function shouldFanOut(fanout: Fanout | undefined, misses: number): Promise<boolean> {
  if (!fanout || fanout.mode === "off" || misses === 0) return false;
  if (fanout.mode === "on") return true;
  return misses >= 2 && (await fanout.evaluator.workers()) >= 2;
}

/**
 * Hands the generation's cache misses to the evaluation queue when `shouldFanOut` says so and puts what comes back in
 * the search's evaluation cache (its only writer), where the evolution then finds them. Returns how many were computed.
 */
export async function fanOutGeneration(
  fanout: Fanout | undefined,
  cache: EvaluationCache,
  at: { job: NasSearch; checkpoint: string; checkpointDir: string; split: string },
  generation: number,
  proposed: readonly VitArch[],
  signal?: AbortSignal,
): Promise<number> {
  const misses = new Map<string, VitArch>();
  for (const arch of proposed) {
    const archId = archHash(arch);
    if (!misses.has(archId) && !(await cache.get(key(at, archId)))) misses.set(archId, arch);
  }
  if (!(await shouldFanOut(fanout, misses.size))) return 0;
  const target: EvaluationTarget = {
    searchId: fanout!.searchId,
    checkpoint: at.checkpoint,
    checkpointDir: at.checkpointDir,
    split: at.split,
    dataset: at.job.dataset,
    input: at.job.space.input,
  };
  const archs = [...misses.values()];
  const evaluations = await fanout!.evaluator.evaluate(target, generation, archs, signal);
  for (const [i, arch] of archs.entries()) await cache.put(key(at, archHash(arch)), evaluations[i]!);
  return archs.length;
}

const key = (at: { checkpoint: string; split: string }, archId: string): EvaluationKey => ({
  archId,
  checkpoint: at.checkpoint,
  split: at.split,
});
