// The evolutionary search over the trained super-network: every proposed architecture is evaluated with inherited
// weights on the held-out split, through the evaluation cache; the evolution state is saved after every generation.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { ImageSplit } from "@vitnas/datasets";
import { archHash, countArch, type NasSearch, type VitArch } from "@vitnas/formats";
import {
  type Candidate,
  Evolution,
  type EvolutionState,
  evaluateOnce,
  FileEvaluationCache,
  type GenerationSummary,
} from "@vitnas/search";
import { Evaluator, ParallelEvaluator, type Supernet, threadsFromEnv } from "@vitnas/supernet";
import { abortError } from "./abort";
import { writeJsonAtomic } from "./atomic-file";
import type { ProgressClock } from "./progress";
import { type Fanout, fanOutGeneration } from "./remote-evaluator";
import type { CandidateRecord, FrontPoint } from "./types";
import type { WorkDir } from "./work-dir";

export interface SearchPhaseResult {
  evolution: Evolution;
  /** Evaluations this run actually computed (cache misses). */
  computed: number;
}

const frontPoints = (front: readonly Candidate[]): FrontPoint[] =>
  front.map(({ id, accuracy, macs, params }) => ({ id, accuracy, macs, params }));

export async function runEvolution(
  job: NasSearch,
  supernet: Supernet,
  val: ImageSplit & { fingerprint: string },
  checkpoint: string,
  work: WorkDir,
  clock: ProgressClock,
  hooks: {
    backend: string;
    onCandidate?: (c: CandidateRecord) => void;
    signal?: AbortSignal;
    /** The evaluation queue, with where its workers find these weights (docs/deployment.md, "Evaluation fan-out"). */
    fanout?: Fanout & { checkpointDir: string };
  },
): Promise<SearchPhaseResult> {
  const evolution = existsSync(work.evolution)
    ? Evolution.restore(JSON.parse(await readFile(work.evolution, "utf8")) as EvolutionState)
    : Evolution.create(job.space, job.search, job.seed);
  const cache = await FileEvaluationCache.open(work.evaluations);
  // With several threads a generation's candidates are evaluated at once, and recorded in the order proposed.
  const threads = threadsFromEnv(process.env, hooks.backend);
  const evaluator = threads > 1 ? new ParallelEvaluator(supernet, val, { threads }) : new Evaluator(supernet, val);
  const generations = job.search.generations + 1;
  let computed = 0;
  // One event per evaluation; the evolution says when a generation ends, and that event carries its front.
  const report = (generation: number, inGeneration: number, generationSize: number, ended?: GenerationSummary) => {
    const fraction = (generation + inGeneration / Math.max(1, generationSize)) / generations;
    const at = {
      backend: hooks.backend,
      generation: Math.min(generation, job.search.generations),
      generations: job.search.generations,
      candidatesEvaluated: evolution.history.length,
    };
    clock.report(evolution.done ? 1 : fraction, { kind: "evaluation", ...at });
    if (ended) {
      const front = frontPoints(evolution.front);
      clock.report(evolution.done ? 1 : fraction, { kind: "generation", ...at, front, hypervolume: ended.hypervolume });
    }
  };
  try {
    report(Math.min(evolution.generation, generations), 0, 1);
    while (!evolution.done) {
      const proposed: VitArch[] = evolution.proposeGeneration();
      if (proposed.length === 0) break;
      const evaluate = (arch: VitArch) =>
        evaluateOnce(cache, { archId: archHash(arch), checkpoint, split: val.fingerprint }, async () => {
          const { macs, params } = countArch(arch);
          return { accuracy: await evaluator.accuracy(arch), macs, params };
        });
      const at = { job, checkpoint, checkpointDir: hooks.fanout?.checkpointDir ?? "", split: val.fingerprint };
      computed += await fanOutGeneration(hooks.fanout, cache, at, evolution.generation, proposed, hooks.signal);
      const started = threads > 1 ? proposed.map(evaluate) : [];
      // An abort leaves them unawaited: their failure (the evaluator disposed) is not an error of the search.
      for (const p of started) p.catch(() => {});
      for (const [i, arch] of proposed.entries()) {
        if (hooks.signal?.aborted) throw abortError("the search was aborted between two evaluations");
        const id = archHash(arch);
        const { evaluation, cached } = await (started[i] ?? evaluate(arch));
        if (!cached) computed++;
        const generation = evolution.generation;
        const ended = evolution.record([{ arch, ...evaluation }]);
        hooks.onCandidate?.({ id, arch, generation, ...evaluation });
        report(generation, i + 1, proposed.length, ended);
      }
      await writeJsonAtomic(work.evolution, evolution.state);
    }
    await writeJsonAtomic(work.evolution, evolution.state);
  } finally {
    await evaluator.dispose();
  }
  return { evolution, computed };
}
