// `trainAlone`: one architecture trained from scratch (`nas train`), resumable and cancellable like a search, ending
// in an export bundle. It reuses the super-network machinery: the supernet of `spaceOfArch(arch)` holds exactly the
// weights the architecture reads, and the Trainer's `arch` option trains that architecture at every step, so blocks
// that differ within a stage (heads, MLP width, attention) train as they are. Layout of the work directory:
//   train.json    what is being trained (arch hash, recipe, seed, dataset fingerprint): another training is refused
//   checkpoint/   the supernet package's checkpoint, the trainer options (with the arch) included
import { existsSync } from "node:fs";
import { readdir, readFile, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { loadDataset } from "@vitnas/datasets";
import {
  archHash,
  canonicalJson,
  countArch,
  type DatasetSpec,
  type SupernetSpec,
  spaceOfArch,
  type VitArch,
} from "@vitnas/formats";
import {
  evaluate,
  extract,
  hasCheckpoint,
  initBackend,
  loadCheckpoint,
  type StandaloneModel,
  Supernet,
  saveCheckpoint,
  Trainer,
  threadsFromEnv,
} from "@vitnas/supernet";
import { abortError, isAbortError } from "./abort";
import { writeJsonAtomic } from "./atomic-file";
import { writeBundle } from "./bundle";
import type { AloneRecipe } from "./bundle-documents";
import { joinSplits, loadWeights } from "./start-weights";
import { ensureWritableDir } from "./work-dir";

export interface TrainAloneInput {
  dataset: DatasetSpec;
  /** The complete `supernet` section of a job (withDefaults); `archsPerStep` is ignored (one architecture). */
  recipe: SupernetSpec;
  seed: number;
  /** Recorded as the bundle's `job` (default "nas train"). */
  name?: string;
  /**
   * Fine-tuning: start from these weights (a model of `arch`, e.g. extracted from a super-network) instead of the
   * recipe's initialisation. `from` names them (a checkpoint id) so a resumed training never mixes two starts.
   */
  start?: { model: StandaloneModel; from: string };
  /** Train on the training and validation images together (the test split still measures the result). */
  trainOnVal?: boolean;
  /** Recorded in the bundle: the architecture's accuracy with inherited weights, when a search found it. */
  searchAccuracy?: number;
}

/** `start` once (after a resume too), `step` after every step, `epoch` after every finished epoch. */
export interface TrainProgress {
  type: "start" | "step" | "epoch";
  /** The epoch the step belongs to, counted from 1 (for `epoch`: the one just finished). */
  epoch: number;
  epochs: number;
  /** Steps done. */
  step: number;
  steps: number;
  /** `step`: the step's loss; `epoch`: the mean over the epoch's steps made by this call. */
  loss?: number;
  imagesPerSec?: number;
  /** `epoch`: top-1 accuracy on the validation split after the epoch. */
  valAccuracy?: number;
  /** Since this call started. */
  seconds: number;
  backend: string;
  /** `start`: the step a resumed training continues from (0 for a fresh one). */
  resumedAtStep?: number;
}

export interface TrainAloneOptions {
  /** The bundle directory, written whole at the end (replacing what was there). */
  outDir: string;
  /** Checkpoints; the same call again resumes from it (default `<outDir>/.train`, removed after success). */
  workDir?: string;
  /** Force a tfjs backend ("tensorflow", "wasm" or "cpu"); default: the best available. */
  backend?: string;
  onProgress?: (event: TrainProgress) => void;
  /** Aborting checkpoints within one step and rejects with an error named "AbortError". */
  signal?: AbortSignal;
}

export interface TrainAloneResult {
  valAccuracy: number;
  testAccuracy: number;
  macs: number;
  params: number;
  epochs: number;
  seconds: number;
  backend: string;
  outDir: string;
}

/** What the bundle directory may hold before it is replaced: a bundle, and the default work directory. */
const BUNDLE_FILES = new Set([
  "arch.json",
  "weights.json",
  "weights.bin",
  "preprocessing.json",
  "metrics.json",
  "README.md",
  ".train",
]);

/**
 * The recipe one architecture trains with: archsPerStep 1 records truthfully that the trainer trains `arch` at every
 * step, and the super-network-only options are moot (a block has one attention type; there is no largest or
 * smallest sub-network to sandwich or distil from; one sub-network reads the whole batch whether it is split or not),
 * so they are written one way whatever the job's super-network uses. `tokenWeights` is left out (a standalone model
 * has one grid per stage), so bundles trained before the field existed keep their keys.
 */
export function aloneRecipe(recipe: SupernetSpec): AloneRecipe {
  const { tokenWeights: _, ...rest } = recipe;
  return {
    ...rest,
    archsPerStep: 1,
    attentionWeights: "shared",
    archBatch: "split",
    sandwich: false,
    distill: false,
  };
}

/** What a work directory is training: everything that changes the weights it ends with. */
interface TrainClaim {
  arch: string;
  recipe: Omit<AloneRecipe, "checkpointEverySteps">;
  seed: number;
  dataset: string;
  /** Where the weights started: "scratch", or the id of the weights fine-tuned (absent in older claims: scratch). */
  start?: string;
}

export async function trainAlone(
  arch: VitArch,
  input: TrainAloneInput,
  options: TrainAloneOptions,
): Promise<TrainAloneResult> {
  const started = performance.now();
  const seconds = () => Math.round((performance.now() - started) / 10) / 100;
  const outDir = resolve(options.outDir);
  const workDir = resolve(options.workDir ?? join(outDir, ".train"));
  const checkpointDir = join(workDir, "checkpoint");
  const { signal } = options;
  const stopIfAborted = () => {
    if (signal?.aborted) throw abortError("training was aborted before it started");
  };
  stopIfAborted();
  await ensureWritableDir(outDir, "output directory");
  // The bundle replaces outDir whole: never a directory holding anything but an earlier bundle and its training.
  const foreign = (await readdir(outDir)).filter((name) => !BUNDLE_FILES.has(name));
  if (foreign.length > 0) {
    throw new Error(
      `output directory ${outDir} holds files that are not part of a bundle (${foreign.slice(0, 3).join(", ")}); ` +
        "give a new or empty directory",
    );
  }
  const backend = (await initBackend({ ...(options.backend ? { force: options.backend } : {}), log: null })).name;
  const data = await loadDataset(input.dataset, arch.input);
  // The bundle reports test accuracy: refuse before training rather than find no test images after it.
  if (data.test.count === 0) throw new Error("dataset: the test split is empty; nas train measures test accuracy");
  stopIfAborted();

  const id = archHash(arch);
  const recipe = aloneRecipe(input.recipe);
  const { checkpointEverySteps: every, ...weightsRecipe } = recipe;
  const start = input.start?.from ?? "scratch";
  await claimWorkDir(workDir, {
    arch: id,
    recipe: weightsRecipe,
    seed: input.seed,
    dataset: data.fingerprint,
    ...(input.start ? { start } : {}),
  });
  const train = input.trainOnVal ? joinSplits(data.train, data.val) : data.train;

  // Threads share each step's batch (NAS_THREADS); a checkpoint resumes with any count.
  const threads = threadsFromEnv(process.env, backend);
  let trainer: Trainer;
  if (await hasCheckpoint(checkpointDir)) trainer = await loadCheckpoint(checkpointDir, train, { threads });
  else {
    const fresh = Supernet.create(spaceOfArch(arch), { seed: input.seed, init: recipe.init });
    if (input.start) loadWeights(fresh, input.start.model);
    trainer = new Trainer(fresh, train, recipe, { seed: input.seed, arch, threads });
  }
  const { supernet } = trainer;
  try {
    const { totalSteps: steps, stepsPerEpoch } = trainer.position;
    const base = () => ({ epochs: recipe.epochs, step: trainer.step, steps, seconds: seconds(), backend });
    const emit = options.onProgress ?? (() => {});
    emit({ type: "start", epoch: trainer.epoch + 1, ...base(), resumedAtStep: trainer.step });
    let epochLoss = 0;
    let epochSteps = 0;
    let epochStarted = performance.now();
    while (!trainer.done) {
      // Up to the next multiple of `every` or the end of the epoch, whichever comes first.
      const chunk = Math.min(every - (trainer.step % every), stepsPerEpoch - (trainer.step % stepsPerEpoch));
      try {
        for (let i = 0; i < chunk; i++) {
          // On the cpu backend a step never leaves the microtask queue: yield so that a SIGINT handler can abort.
          await new Promise(setImmediate);
          await trainer.trainSteps(1, {
            signal,
            onStep: (s) => {
              epochLoss += s.loss;
              epochSteps += 1;
              emit({ type: "step", epoch: s.epoch + 1, ...base(), loss: s.loss, imagesPerSec: s.imagesPerSec });
            },
          });
        }
      } catch (err) {
        if (!isAbortError(err)) throw err;
        await saveCheckpoint(trainer, checkpointDir);
        throw abortError(`training was aborted (checkpoint at step ${trainer.step} in ${workDir})`);
      }
      await saveCheckpoint(trainer, checkpointDir);
      if (trainer.step % stepsPerEpoch === 0) {
        const valAccuracy = await evaluate(supernet, arch, data.val);
        const imagesPerSec = (epochSteps * recipe.batchSize) / ((performance.now() - epochStarted) / 1000);
        emit({
          type: "epoch",
          epoch: trainer.epoch,
          ...base(),
          loss: epochLoss / epochSteps,
          imagesPerSec,
          valAccuracy,
        });
        epochLoss = 0;
        epochSteps = 0;
        epochStarted = performance.now();
      }
    }
    // Training is complete and checkpointed: an abort from here on resumes straight to writing the bundle.
    if (signal?.aborted) throw abortError(`training was aborted after its last step (checkpoint in ${workDir})`);
    const { macs, params } = countArch(arch);
    const model = extract(supernet, arch);
    let metrics: Awaited<ReturnType<typeof writeBundle>>;
    try {
      metrics = await writeBundle(outDir, {
        model,
        arch,
        id,
        macs,
        params,
        data,
        dataset: input.dataset,
        seed: input.seed,
        backend,
        job: input.name ?? "nas train",
        ...(input.searchAccuracy !== undefined ? { searchAccuracy: input.searchAccuracy } : {}),
        training: {
          kind: "standalone",
          epochs: recipe.epochs,
          recipe,
          ...(input.start ? { startedFrom: start } : {}),
          ...(input.trainOnVal ? { trainOnVal: true } : {}),
          dataset: input.dataset,
          trainImages: train.count,
        },
      });
    } finally {
      model.dispose();
    }
    await rm(workDir, { recursive: true, force: true });
    return {
      valAccuracy: metrics.accuracy,
      testAccuracy: metrics.testAccuracy!,
      macs,
      params,
      epochs: recipe.epochs,
      seconds: seconds(),
      backend,
      outDir,
    };
  } finally {
    trainer.dispose();
    supernet.dispose();
  }
}

/**
 * Claims `workDir` for this training. Only a checkpoint is worth protecting: one of another training (or of unknown
 * origin) is refused; without one, a claim left by a start that failed before its first checkpoint is replaced.
 */
async function claimWorkDir(workDir: string, claim: TrainClaim): Promise<void> {
  await ensureWritableDir(workDir, "work directory");
  const file = join(workDir, "train.json");
  if (await hasCheckpoint(join(workDir, "checkpoint"))) {
    if (!existsSync(file))
      throw new Error(`work directory ${workDir} holds a checkpoint of unknown origin (no train.json); remove it`);
    const held = JSON.parse(await readFile(file, "utf8")) as TrainClaim;
    const what: Record<keyof TrainClaim, string> = {
      arch: "architecture",
      recipe: "recipe",
      seed: "seed",
      dataset: "dataset",
      start: "starting weights",
    };
    const differ = (Object.keys(what) as (keyof TrainClaim)[]).filter(
      (k) => canonicalJson(held[k]) !== canonicalJson(claim[k]),
    );
    if (differ.length === 0) return;
    throw new Error(
      `work directory ${workDir} holds the training of another ${differ.map((k) => what[k]).join(", ")}; ` +
        "remove it (or use another output directory) to start this one",
    );
  }
  await writeJsonAtomic(file, claim);
}
