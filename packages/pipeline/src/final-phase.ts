// The final phase: after the search, `final.top` front architectures are trained as standalone models, fine-tuned
// from their inherited weights (Once-for-All) or from scratch (ViT-ResNAS), then measured on the test split; the
// job's baselines are trained the same way beside them (`<out>/baselines/<name>`).
// Each goes through `trainAlone` (resumable from its own checkpoints under the work directory's `final/`) and
// ends as a bundle in `<out>/trained/<id>`, written whole: a bundle there whose training matches is not trained
// again, so a search resumed after (or during) this phase redoes nothing finished.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  archHash,
  canonicalJson,
  countArch,
  type DatasetSpec,
  type NasSearch,
  type SupernetSpec,
  uniformArch,
  type VitArch,
} from "@vitnas/formats";
import type { Candidate } from "@vitnas/search";
import { extract, type Supernet } from "@vitnas/supernet";
import { throwIfAborted } from "./abort";
import type { BundleMetrics } from "./bundle-documents";
import type { BaselineResult, FinalResult } from "./final-results";
import type { ProgressClock } from "./progress";
import { aloneRecipe, trainAlone } from "./train-alone";
import type { WorkDir } from "./work-dir";

/**
 * `count` front members spread evenly over MACs (the front sorted by MACs, first and last included), with the most
 * accurate always among them.
 */
export function spreadAlongFront<T extends { macs: number; accuracy: number }>(front: readonly T[], count: number) {
  if (count <= 0 || front.length === 0) return [];
  const sorted = [...front].sort((a, b) => a.macs - b.macs);
  const n = Math.min(count, sorted.length);
  const at = new Set(
    Array.from({ length: n }, (_, i) => (n === 1 ? 0 : Math.round((i * (sorted.length - 1)) / (n - 1)))),
  );
  const best = sorted.reduce((b, c, i) => (c.accuracy > sorted[b]!.accuracy ? i : b), 0);
  if (!at.has(best)) {
    // Replace the pick nearest to the most accurate member (on a tie the costlier: the cheap end stays covered).
    const nearest = [...at].sort((x, y) => Math.abs(x - best) - Math.abs(y - best) || y - x)[0]!;
    at.delete(nearest);
    at.add(best);
  }
  return [...at].sort((x, y) => x - y).map((i) => sorted[i]!);
}

/** The recipe a final training runs: the job's, with the final section's budget. */
export function finalRecipe(job: NasSearch): SupernetSpec {
  const finetune = job.final.mode === "finetune";
  return {
    ...job.supernet,
    epochs: job.final.epochs,
    learningRate: job.final.learningRate,
    // Trained weights need no warm-up: it would spend a fine-tuning's short budget below its learning rate.
    warmupEpochs: finetune ? 0 : job.supernet.warmupEpochs,
  };
}

/** The dataset a final training reads: the job's, with `final.train` training images when the job sets it. */
export function finalDataset(job: NasSearch): DatasetSpec {
  const train = job.final.train;
  if (train === undefined) return job.dataset;
  if (job.dataset.kind === "folder") throw new Error("final.train: a folder dataset takes no training-image count");
  return { ...job.dataset, train } as DatasetSpec;
}

/** One architecture the phase trains: where its bundle goes and what the search measured of it. */
interface Trainee {
  id: string;
  arch: VitArch;
  bundle: string;
  searchAccuracy?: number;
}

/** The job's baselines: the space's uniform architectures it asks for, then its own. */
export function baselineArchs(job: NasSearch): { name: string; arch: VitArch }[] {
  return [
    ...job.baselines.builtin.map((pick) => ({ name: `uniform-${pick}`, arch: uniformArch(job.space, pick) })),
    ...job.baselines.archs.map((arch, i) => ({ name: `archs[${i}]`, arch })),
  ];
}

export async function trainFinal(
  job: NasSearch,
  front: readonly Candidate[],
  supernet: Supernet,
  checkpoint: string,
  work: WorkDir,
  outDir: string,
  context: { backend: string; clock: ProgressClock; signal?: AbortSignal },
): Promise<{ final: FinalResult[]; baselines: BaselineResult[] }> {
  const picks: Trainee[] = spreadAlongFront(front, job.final.top).map((c) => ({
    id: c.id,
    arch: c.arch,
    bundle: join("trained", c.id),
    searchAccuracy: c.accuracy,
  }));
  const baselines = baselineArchs(job).map(({ name, arch }) => ({
    name,
    trainee: { id: archHash(arch), arch, bundle: join("baselines", name.replace(/[[\]]/g, "-").replace(/-$/, "")) },
  }));
  const all = [...picks, ...baselines.map((b) => b.trainee)];
  const results: FinalResult[] = [];
  for (const [i, trainee] of all.entries()) {
    throwIfAborted(context.signal);
    results.push(await trainOne(job, trainee, supernet, checkpoint, work, outDir, context, [i, all.length]));
  }
  return {
    final: results.slice(0, picks.length),
    baselines: baselines.map(({ name, trainee }, i) => ({
      name,
      ...results[picks.length + i]!,
      ...(({ macs, params }) => ({ macs, params }))(countArch(trainee.arch)),
    })),
  };
}

async function trainOne(
  job: NasSearch,
  trainee: Trainee,
  supernet: Supernet,
  checkpoint: string,
  work: WorkDir,
  outDir: string,
  context: { backend: string; clock: ProgressClock; signal?: AbortSignal },
  [index, count]: [number, number],
): Promise<FinalResult> {
  const recipe = finalRecipe(job);
  const startedFrom = job.final.mode === "finetune" ? checkpoint : undefined;
  const dir = join(outDir, trainee.bundle);
  const report = (fraction: number, details: { epoch?: number; step?: number; steps?: number; loss?: number }) =>
    context.clock.report((index + fraction) / count, {
      kind: "final-step",
      backend: context.backend,
      epochs: recipe.epochs,
      ...details,
      message: `training ${trainee.bundle} (${index + 1} of ${count}, ${job.final.mode})`,
    });
  const dataset = finalDataset(job);
  let metrics = await finishedBundle(dir, recipe, startedFrom, job.final.trainOnVal, dataset);
  // The last step's figures go with the training's closing report too: a consumer that keeps only some events
  // (the worker throttles them) still records where a short training ended.
  let last: { epoch?: number; step?: number; steps?: number; loss?: number } = {};
  if (!metrics) {
    report(0, {});
    const start = startedFrom ? extract(supernet, trainee.arch) : undefined;
    try {
      await trainAlone(
        trainee.arch,
        {
          dataset,
          recipe,
          seed: job.seed,
          name: job.name,
          ...(trainee.searchAccuracy !== undefined ? { searchAccuracy: trainee.searchAccuracy } : {}),
          trainOnVal: job.final.trainOnVal,
          ...(start ? { start: { model: start, from: checkpoint } } : {}),
        },
        {
          outDir: dir,
          workDir: join(work.final, trainee.bundle),
          backend: context.backend,
          signal: context.signal,
          onProgress: (e) => {
            if (e.type !== "step") return;
            last = { epoch: e.epoch, step: e.step, steps: e.steps, loss: e.loss };
            report(e.step / e.steps, last);
          },
        },
      );
    } finally {
      start?.dispose();
    }
    metrics = (await finishedBundle(dir, recipe, startedFrom, job.final.trainOnVal, dataset))!;
  }
  report(1, last);
  return {
    id: trainee.id,
    testAccuracy: metrics.testAccuracy!,
    valAccuracy: metrics.accuracy,
    mode: job.final.mode,
    epochs: recipe.epochs,
    bundle: trainee.bundle,
  };
}

/** The metrics of a complete bundle in `dir` trained as asked, or undefined (none, or trained otherwise). */
async function finishedBundle(
  dir: string,
  recipe: SupernetSpec,
  startedFrom: string | undefined,
  trainOnVal: boolean,
  dataset: DatasetSpec,
): Promise<BundleMetrics | undefined> {
  const file = join(dir, "metrics.json");
  if (!existsSync(file)) return undefined;
  const metrics = JSON.parse(await readFile(file, "utf8")) as BundleMetrics;
  const t = metrics.training;
  if (!t || metrics.testAccuracy === undefined) return undefined;
  // Compared as trainAlone records it, checkpoint frequency aside (it changes no weight).
  const { checkpointEverySteps: _a, ...want } = aloneRecipe(recipe);
  const { checkpointEverySteps: _b, ...held } = t.recipe;
  const same =
    t.startedFrom === startedFrom &&
    (t.trainOnVal ?? false) === trainOnVal &&
    // Bundles written before the dataset was recorded were trained on the job's own.
    (t.dataset === undefined || canonicalJson(t.dataset) === canonicalJson(dataset)) &&
    canonicalJson(held) === canonicalJson(want);
  return same ? metrics : undefined;
}
