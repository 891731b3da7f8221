// `npm run bench -- --only fidelity`: does the super-network rank architectures as training them alone does, on
// real data (Fashion-MNIST from Debian's dataset-fashion-mnist, the `idx` kind)? docs/ranking-fidelity.md.
// - Ranking: FIDELITY_ARCHS (32) architectures of examples/fashion-mnist.json's space drawn by `stratifiedByChoices`
//   (every attention type, both reductions, each over its MACs range), each trained alone by `trainAlone` (the
//   product's recipe, the super-network's epochs) and measured on the test split; Kendall tau between their accuracy
//   with inherited weights (the validation split, what a search ranks by) and their stand-alone test accuracy,
//   overall and within each attention type (the architectures using it), beside the MACs-only baseline, for the
//   super-networks of SETTINGS: shared weights on whole batches with the sandwich rule and distillation (the
//   defaults), per-type weights and per-type blocks, split batches, without the sandwich, the attention warm-up,
//   and 8 sub-networks per step.
// - Search: evolution against random search (`randomArchs`) at equal evaluation budget on the default
//   super-network, seeds FIDELITY_SEEDS, both under one MACs limit: hypervolume and best accuracy, mean and spread.
// Every trained piece is cached under FIDELITY_WORK (.tmp/fidelity), keyed by what made it, so a rerun resumes.
// Sizes: FIDELITY_TRAIN / _VAL / _TEST images, FIDELITY_EPOCHS (super-networks and stand-alone), FIDELITY_ARCHS,
// FIDELITY_ALONE_SEEDS (seeds each architecture is trained alone with, accuracy their mean; 1),
// FIDELITY_POPULATION / _GENERATIONS, FIDELITY_SEEDS ("1,2,3"), FIDELITY_MACS_LIMIT, FIDELITY_DATA; FIDELITY_ONLY=supernets
// (or search, or alone) trains the super-networks (or runs the search comparison, or trains the architectures alone)
// and stops, so processes can prepare the pieces side by side; FIDELITY_SETTINGS ("0,4") measures those super-networks
// of SETTINGS only, in that order (the default, 0, always).
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { loadDataset } from "@vitnas/datasets";
import {
  archHash,
  canonicalJson,
  countArch,
  createRng,
  type NasSearch,
  type NasSearchInput,
  sampleArch,
  type VitArch,
  validateJob,
} from "@vitnas/formats";
import {
  aloneRecipe,
  type BundleMetrics,
  ProgressClock,
  runEvolution,
  trainAlone,
  trainSupernet,
  workDirLayout,
} from "@vitnas/pipeline";
import {
  attentionTypesOf,
  evaluateOnce,
  FileEvaluationCache,
  hypervolume,
  kendallTau,
  ParetoFront,
  randomArchs,
  reductionsOf,
  referenceMacs,
  stratifiedByChoices,
} from "@vitnas/search";
import { Evaluator, initBackend, type Supernet } from "@vitnas/supernet";
import type { BenchSection } from "./run";

const root = resolve(import.meta.dirname, "..");

export interface FidelityConfig {
  /** The job whose space, dataset and `supernet` section (the default setting) are measured. */
  job: NasSearchInput;
  archs: number;
  population: number;
  generations: number;
  seeds: number[];
  /** The MACs limit both searches run under (default: the median MACs of uniform draws of the space). */
  macsLimit?: number;
  work: string;
  /**
   * "supernets": only train the super-networks into the work directory and stop; "search": only the default
   * one and the search comparison; "alone": only train the architectures alone. Processes can so prepare the
   * pieces side by side (the pieces are the same either way; never two processes on one piece).
   */
  only?: "supernets" | "search" | "alone";
  /**
   * Seeds each architecture is trained alone with (default 1); its stand-alone accuracy is their mean, which
   * halves the seed-to-seed noise of the ranking the super-network is measured against with 4.
   */
  aloneSeeds?: number;
  /**
   * With only "alone": train only the architectures whose index modulo `count` is `index` (FIDELITY_ALONE_SHARD
   * "index/count"), so that several processes share the stand-alone training, each on architectures of its own.
   */
  aloneShard?: { index: number; count: number };
  /** Indices into SETTINGS of the super-networks to measure, in this order (default: all; 0 is always trained). */
  settings?: number[];
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

/**
 * The super-network settings compared; the first is the product's default. Indices are what FIDELITY_SETTINGS names:
 * until 2026-11-29, 0 was shared weights on split batches, 4 shared on whole batches and 5 per-type blocks on whole
 * batches (docs/ranking-fidelity.md).
 */
export const SETTINGS = [
  { name: "shared + sandwich, whole batch (default)", supernet: {} },
  { name: "per-type + sandwich", supernet: { attentionWeights: "per-type", archBatch: "split" } },
  {
    name: "per-type, no sandwich",
    supernet: { attentionWeights: "per-type", archBatch: "split", sandwich: false, distill: false },
  },
  // Every sub-network of a step on the whole batch (BigNAS): archsPerStep times the work of a split batch.
  { name: "per-type + sandwich, whole batch", supernet: { attentionWeights: "per-type", archBatch: "whole" } },
  {
    name: "per-type blocks + sandwich, whole batch",
    supernet: { attentionWeights: "per-type-block", archBatch: "whole" },
  },
  // The default until whole batches measured better: about a quarter of their training work.
  { name: "shared + sandwich, split batch", supernet: { attentionWeights: "shared", archBatch: "split" } },
  // The attention warm-up (docs/training-recipe.md): softmax alone for 3 epochs of 8 (3/8 of other budgets).
  {
    name: "shared, whole batch, attention warm-up",
    supernet: { attentionWeights: "shared", archBatch: "whole", attentionWarmupEpochs: 3 },
  },
  {
    name: "per-type, whole batch, attention warm-up",
    supernet: { attentionWeights: "per-type", archBatch: "whole", attentionWarmupEpochs: 3 },
  },
  {
    name: "per-type blocks, whole batch, attention warm-up",
    supernet: { attentionWeights: "per-type-block", archBatch: "whole", attentionWarmupEpochs: 3 },
  },
  // Twice the sub-networks per step: each attention type trained once per block per step (the banks deal every
  // type once in 8 draws): nearer training alone on the real-data search, worse at ranking (docs/ranking-fidelity.md).
  { name: "shared + sandwich, whole batch, 8 per step", supernet: { archsPerStep: 8 } },
  // One copy of each token-indexed weight (mixer's token MLP, linformer's E, F) for every token grid of a stage: the
  // default until 2026-11-29, when one copy per grid became it (docs/training-recipe.md).
  { name: "shared + sandwich, whole batch, token weights shared by grids", supernet: { tokenWeights: "shared" } },
] as const;

/** At least this many architectures using an attention type for its own tau (3 give only 3 pairs). */
const MIN_PER_TYPE = 4;

const key = (value: unknown) => createHash("sha256").update(canonicalJson(value)).digest("hex").slice(0, 12);
const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const spread = (xs: number[]) =>
  Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / Math.max(1, xs.length - 1));
const meanSd = (xs: number[]) => `${round(mean(xs), 4)} +- ${round(spread(xs), 4)}`;

function checked(input: NasSearchInput): NasSearch {
  const result = validateJob(input);
  if (!result.ok) throw new Error(`fidelity job: ${JSON.stringify(result.errors)}`);
  return result.value;
}

/** The configuration from the environment, on examples/fashion-mnist.json's space. */
export async function configFromEnv(env = process.env): Promise<FidelityConfig & { data: string }> {
  const data = env.FIDELITY_DATA ?? "/usr/share/datasets/fashion-mnist";
  const example = JSON.parse(await readFile(join(root, "examples", "fashion-mnist.json"), "utf8")) as NasSearchInput;
  const epochs = Number(env.FIDELITY_EPOCHS ?? 3);
  const num = (name: string, fallback: number) => Number(env[name] ?? fallback);
  return {
    data,
    job: {
      ...example,
      name: "fidelity",
      // Fashion-MNIST's own 28 px with 7 px patches: 16 tokens, a quarter of the 32 px / 4 px example's work.
      space: {
        ...example.space,
        input: { ...example.space.input, imageSize: 28 },
        stem: { convs: [], patch: { kernel: 7, stride: 7 } },
      },
      dataset: {
        kind: "idx",
        path: data,
        train: num("FIDELITY_TRAIN", 1500),
        val: num("FIDELITY_VAL", 500),
        test: num("FIDELITY_TEST", 1000),
        seed: 0,
      },
      supernet: { ...example.supernet, epochs, candidateWarmupEpochs: epochs > 2 ? 1 : 0 },
    } as NasSearchInput,
    archs: num("FIDELITY_ARCHS", 32),
    population: num("FIDELITY_POPULATION", 10),
    generations: num("FIDELITY_GENERATIONS", 2),
    seeds: (env.FIDELITY_SEEDS ?? "1,2,3").split(",").map(Number),
    ...(env.FIDELITY_MACS_LIMIT ? { macsLimit: Number(env.FIDELITY_MACS_LIMIT) } : {}),
    ...(env.FIDELITY_ONLY ? { only: onlyPart(env.FIDELITY_ONLY) } : {}),
    ...(env.FIDELITY_ALONE_SEEDS ? { aloneSeeds: num("FIDELITY_ALONE_SEEDS", 1) } : {}),
    ...(env.FIDELITY_SETTINGS ? { settings: settingIndices(env.FIDELITY_SETTINGS) } : {}),
    ...(env.FIDELITY_ALONE_SHARD ? { aloneShard: shardOf(env.FIDELITY_ALONE_SHARD) } : {}),
    work: resolve(env.FIDELITY_WORK ?? join(root, ".tmp", "fidelity")),
  };
}

const ONLY_PARTS = ["supernets", "search", "alone"] as const;

/** FIDELITY_ONLY's value, refused with the values it may take rather than ignored (a full run takes hours). */
function onlyPart(value: string): FidelityConfig["only"] {
  const part = ONLY_PARTS.find((p) => p === value);
  if (!part) throw new Error(`FIDELITY_ONLY must be one of ${ONLY_PARTS.join(", ")} (is ${JSON.stringify(value)})`);
  return part;
}

/** "1/2": the second of two shares of the stand-alone training. */
function shardOf(value: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value);
  const [index, count] = m ? [Number(m[1]), Number(m[2])] : [Number.NaN, Number.NaN];
  if (!(index < count))
    throw new Error(
      `FIDELITY_ALONE_SHARD must be index/count with index < count, e.g. 0/2 (is ${JSON.stringify(value)})`,
    );
  return { index, count };
}

/** "0,4": those SETTINGS, in that order. */
function settingIndices(list: string): number[] {
  const indices = list.split(",").map(Number);
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i >= SETTINGS.length)
      throw new Error(
        `FIDELITY_SETTINGS: ${i} is not an index of the ${SETTINGS.length} settings (0-${SETTINGS.length - 1})`,
      );
  }
  return indices;
}

export async function bench(): Promise<BenchSection[]> {
  const config = await configFromEnv();
  if (!existsSync(config.data)) {
    return [
      { name: "fidelity", figures: { skipped: `${config.data} is missing (apt-get install dataset-fashion-mnist)` } },
    ];
  }
  return fidelity(config);
}

interface Trained {
  arch: VitArch;
  id: string;
  macs: number;
  types: string[];
  reductions: string;
  val: number;
  test: number;
}

export async function fidelity(config: FidelityConfig): Promise<BenchSection[]> {
  const log = config.log ?? ((line: string) => process.stderr.write(`fidelity: ${line}\n`));
  const started = performance.now();
  const elapsed = () => `${Math.round((performance.now() - started) / 1000)} s`;
  const base = checked(config.job);
  const backend = (await initBackend({ log: null })).name;
  const data = await loadDataset(base.dataset, base.space.input);
  const val = { ...data.val, fingerprint: data.fingerprint };
  const settings = (config.settings ?? SETTINGS.map((_, i) => i)).map((i) => SETTINGS[i]!);
  // The default is the search comparison's super-network.
  if (!settings.includes(SETTINGS[0])) settings.unshift(SETTINGS[0]);
  const supernetOf = async (setting: (typeof SETTINGS)[number]) => {
    const supernet: Record<string, unknown> = { ...config.job.supernet, ...setting.supernet };
    if ("attentionWarmupEpochs" in setting.supernet)
      supernet.attentionWarmupEpochs = Math.floor(
        (setting.supernet.attentionWarmupEpochs * Number(supernet.epochs)) / 8,
      );
    const job = checked({ ...config.job, supernet } as NasSearchInput);
    const fields = { space: job.space, dataset: job.dataset, supernet: job.supernet, seed: job.seed };
    const dir = join(config.work, "supernets", key(fields));
    const clock = new ProgressClock((e) => {
      if (e.message) log(`${setting.name}: ${e.message}`);
    });
    const { trainer, checkpoint } = await trainSupernet(job, data.train, data.val, join(dir, "supernet"), clock, {
      backend,
    });
    log(`${setting.name}: super-network trained (${checkpoint}, ${elapsed()})`);
    return { job, dir, trainer, checkpoint };
  };
  // Evolution against random search at equal evaluation budget, on the default super-network.
  const searchSection = async (supernet: Supernet, checkpoint: string, dir: string): Promise<BenchSection> => {
    const limit = config.macsLimit ?? medianMacs(base);
    const evolutionHv: number[] = [];
    const randomHv: number[] = [];
    const evolutionBest: number[] = [];
    const randomBest: number[] = [];
    for (const seed of config.seeds) {
      const job = checked({
        ...config.job,
        seed,
        search: {
          population: config.population,
          generations: config.generations,
          constraints: { macs: { max: limit } },
        },
      } as NasSearchInput);
      const work = {
        ...workDirLayout(join(dir, "searches", `${key(job.search)}-seed${seed}`)),
        evaluations: join(dir, "evaluations"),
      };
      const clock = new ProgressClock(undefined);
      const { evolution } = await runEvolution(job, supernet, val, checkpoint, work, clock, { backend });
      const budget = evolution.history.length;
      const cache = await FileEvaluationCache.open(join(dir, "evaluations"));
      const evaluator = new Evaluator(supernet, data.val);
      const random = new ParetoFront<{ accuracy: number; macs: number }>();
      try {
        for (const arch of randomArchs(job.space, job.search.constraints, budget, seed + 1000)) {
          const { macs: m, params } = countArch(arch);
          const { evaluation } = await evaluateOnce(
            cache,
            { archId: archHash(arch), checkpoint, split: val.fingerprint },
            async () => ({
              accuracy: await evaluator.accuracy(arch),
              macs: m,
              params,
            }),
          );
          random.insert(evaluation);
        }
      } finally {
        evaluator.dispose();
      }
      const reference = referenceMacs(job.space, job.search);
      evolutionHv.push(hypervolume(evolution.front, reference));
      randomHv.push(hypervolume(random.points, reference));
      evolutionBest.push(Math.max(...evolution.history.map((c) => c.accuracy)));
      randomBest.push(Math.max(...random.points.map((p) => p.accuracy)));
      log(
        `search seed ${seed}: ${budget} evaluations each, hypervolume evolution ${round(evolutionHv.at(-1)!, 4)} random ${round(randomHv.at(-1)!, 4)} (${elapsed()})`,
      );
    }
    return {
      name: "fidelity: evolution against random search",
      figures: {
        "super-network": SETTINGS[0].name,
        "MACs limit (both searches)": limit,
        seeds: config.seeds.join(" "),
        "evaluations per search (population x (generations + 1))": config.population * (config.generations + 1),
        "hypervolume, evolution (mean +- sd)": meanSd(evolutionHv),
        "hypervolume, random (mean +- sd)": meanSd(randomHv),
        "hypervolume per seed, evolution / random": evolutionHv
          .map((h, i) => `${round(h, 4)}/${round(randomHv[i]!, 4)}`)
          .join(" "),
        "evolution above random in every seed (target)": evolutionHv.every((h, i) => h > randomHv[i]!),
        "best accuracy under the limit, evolution (mean +- sd)": meanSd(evolutionBest),
        "best accuracy under the limit, random (mean +- sd)": meanSd(randomBest),
        "wall seconds (0 work when resumed)": Math.round((performance.now() - started) / 1000),
      },
    };
  };
  if (config.only === "search") {
    const { trainer, checkpoint, dir } = await supernetOf(SETTINGS[0]);
    trainer.dispose();
    try {
      return [await searchSection(trainer.supernet, checkpoint, dir)];
    } finally {
      trainer.supernet.dispose();
    }
  }
  if (config.only === "supernets") {
    const figures: BenchSection["figures"] = {};
    for (const setting of settings) {
      const { trainer, checkpoint } = await supernetOf(setting);
      trainer.supernet.dispose();
      trainer.dispose();
      figures[setting.name] = checkpoint;
    }
    return [{ name: "fidelity: super-networks trained", figures }];
  }
  const archs = stratifiedByChoices(base.space, { count: config.archs, seed: base.seed + 2000 });

  // Stand-alone training of every drawn architecture: the product's recipe, the super-network's epochs.
  const recipe = base.supernet;
  const aloneSeeds = config.aloneSeeds ?? 1;
  if (!Number.isInteger(aloneSeeds) || aloneSeeds < 1)
    throw new Error(`FIDELITY_ALONE_SEEDS must be a whole number >= 1 (is ${aloneSeeds})`);
  const seeds = Array.from({ length: aloneSeeds }, (_, k) => base.seed + k);
  const alone: Trained[] = [];
  const shard = config.only === "alone" ? config.aloneShard : undefined;
  for (const [i, arch] of archs.entries()) {
    if (shard && i % shard.count !== shard.index) continue;
    const id = archHash(arch);
    const runs: BundleMetrics[] = [];
    for (const seed of seeds) {
      // Keyed by the recipe trainAlone trains with, so a super-network default that changes leaves it cached.
      const outDir = join(
        config.work,
        "alone",
        `${key({ dataset: base.dataset, recipe: aloneRecipe(recipe), seed })}-${id}`,
      );
      const metricsFile = join(outDir, "metrics.json");
      if (!existsSync(metricsFile)) {
        await trainAlone(arch, { dataset: base.dataset, recipe, seed, name: "fidelity" }, { outDir });
      }
      runs.push(JSON.parse(await readFile(metricsFile, "utf8")) as BundleMetrics);
    }
    const metrics = {
      accuracy: mean(runs.map((r) => r.accuracy)),
      testAccuracy: round(mean(runs.map((r) => r.testAccuracy!)), 4),
    };
    const { macs } = countArch(arch);
    alone.push({
      arch,
      id,
      macs,
      types: attentionTypesOf(arch),
      reductions: reductionsOf(arch),
      val: metrics.accuracy,
      test: metrics.testAccuracy!,
    });
    log(
      `${alone.length}/${archs.length} trained alone: ${alone.at(-1)!.types.join("+")} ${macs} MACs, test ${metrics.testAccuracy} (${elapsed()})`,
    );
  }
  if (config.only === "alone") {
    return [{ name: "fidelity: architectures trained alone", figures: { architectures: alone.length } }];
  }
  const aloneTest = alone.map((a) => a.test);
  const macs = alone.map((a) => a.macs);
  const types = [...new Set(alone.flatMap((a) => a.types))];

  const sections: BenchSection[] = [];
  let searchSupernet: { supernet: Supernet; checkpoint: string; dir: string } | undefined;
  for (const setting of settings) {
    const { job, dir, trainer, checkpoint } = await supernetOf(setting);
    const cache = await FileEvaluationCache.open(join(dir, "evaluations"));
    const evaluator = new Evaluator(trainer.supernet, data.val);
    const inherited: number[] = [];
    try {
      for (const a of alone) {
        const { evaluation } = await evaluateOnce(
          cache,
          { archId: a.id, checkpoint, split: val.fingerprint },
          async () => ({
            accuracy: await evaluator.accuracy(a.arch),
            macs: a.macs,
            params: countArch(a.arch).params,
          }),
        );
        inherited.push(evaluation.accuracy);
      }
    } finally {
      evaluator.dispose();
    }
    const figures: BenchSection["figures"] = {
      "super-network": `attentionWeights ${job.supernet.attentionWeights}, sandwich ${job.supernet.sandwich}, distill ${job.supernet.distill}, archBatch ${job.supernet.archBatch}, archsPerStep ${job.supernet.archsPerStep}, tokenWeights ${job.supernet.tokenWeights}`,
      "kendall tau, inherited vs stand-alone (target >= 0.6)": round(kendallTau(inherited, aloneTest)),
      "kendall tau, MACs vs stand-alone (baseline)": round(kendallTau(macs, aloneTest)),
      "tau above the MACs baseline (target >= 0.3)": round(
        kendallTau(inherited, aloneTest) - kendallTau(macs, aloneTest),
      ),
    };
    for (const type of types) {
      const members = alone.flatMap((a, i) => (a.types.includes(type) ? [i] : []));
      const label = `kendall tau within ${type} (${members.length} architectures; MACs baseline)`;
      figures[label] =
        members.length < MIN_PER_TYPE
          ? `n/a (fewer than ${MIN_PER_TYPE})`
          : `${round(
              kendallTau(
                members.map((i) => inherited[i]!),
                members.map((i) => aloneTest[i]!),
              ),
            )} (${round(
              kendallTau(
                members.map((i) => macs[i]!),
                members.map((i) => aloneTest[i]!),
              ),
            )})`;
    }
    figures["inherited validation accuracies"] = inherited.map((x) => x.toFixed(3)).join(" ");
    sections.push({ name: `fidelity: ${setting.name}`, figures });
    if (setting === SETTINGS[0]) searchSupernet = { supernet: trainer.supernet, checkpoint, dir };
    else trainer.supernet.dispose();
    trainer.dispose();
  }
  sections.unshift({
    name: "fidelity: architectures trained alone",
    figures: {
      backend,
      "train / validation / test images": `${data.train.count} / ${data.val.count} / ${data.test.count}`,
      "epochs (super-networks and stand-alone)": recipe.epochs,
      architectures: alone.length,
      "seeds per architecture trained alone (accuracy: their mean)": seeds.length,
      "attention types (stage 0 + stage 1 ...)": alone
        .map((a) => a.arch.stages.map((st) => st.blocks[0]!.attention.type).join("+"))
        .join(" "),
      reductions: alone.map((a) => a.reductions || "-").join(" "),
      MACs: macs.join(" "),
      "stand-alone test accuracies": aloneTest.map((x) => x.toFixed(3)).join(" "),
      "stand-alone validation accuracies": alone.map((a) => a.val.toFixed(3)).join(" "),
    },
  });

  const { supernet, checkpoint, dir } = searchSupernet!;
  try {
    sections.push(await searchSection(supernet, checkpoint, dir));
  } finally {
    supernet.dispose();
  }
  return sections;
}

/** The median MACs of 1,000 seeded uniform draws of the job's space: a limit that cuts the space in half. */
function medianMacs(job: NasSearch): number {
  const rng = createRng(job.seed);
  const all = Array.from({ length: 1000 }, () => countArch(sampleArch(job.space, rng)).macs).sort((a, b) => a - b);
  return all[all.length >> 1]!;
}
