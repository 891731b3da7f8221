// The frozen super-networks an evaluation worker keeps loaded (docs/deployment.md, "Evaluation fan-out"): loading a
// checkpoint and its validation split costs far more than evaluating one architecture, so a worker loads each once
// and keeps the last few (EVAL_CHECKPOINTS_KEPT), keyed by checkpoint id and split, while it serves their searches.
import type { ImageSplit } from "@vitnas/datasets";
import type { EvaluationTarget } from "@vitnas/pipeline";
import type { Evaluator, Supernet } from "@vitnas/supernet";
import { LRUCache } from "lru-cache";

export interface LoadedCheckpoint {
  supernet: Supernet;
  val: ImageSplit;
  evaluator: Evaluator;
}

export class CheckpointLru {
  readonly #cache: LRUCache<string, Promise<LoadedCheckpoint>>;
  /** Checkpoints loaded so far (misses), for tests and logs. */
  loads = 0;

  constructor(
    kept: number,
    private readonly load: (target: EvaluationTarget) => Promise<LoadedCheckpoint>,
  ) {
    this.#cache = new LRUCache({
      max: kept,
      // Evicted weights free their tensors once loaded; a load that failed has nothing to free.
      dispose: (loading) =>
        void loading.then(
          ({ evaluator, supernet }) => {
            evaluator.dispose();
            supernet.dispose();
          },
          () => undefined,
        ),
    });
  }

  get(target: EvaluationTarget): Promise<LoadedCheckpoint> {
    const key = `${target.checkpoint}\n${target.split}`;
    let loading = this.#cache.get(key);
    if (!loading) {
      this.loads++;
      loading = this.load(target);
      this.#cache.set(key, loading);
      // A failed load is forgotten, so the job's retry loads again instead of failing on the cached error.
      loading.catch(() => this.#cache.get(key) === loading && this.#cache.delete(key));
    }
    return loading;
  }

  clear(): void {
    this.#cache.clear();
  }
}
