// Speed of the evolution without evaluation: candidates per second through parent selection (NSGA-II over the
// whole history), mutation, crossover, shrinking to the constraints, duplicate rejection and front maintenance, with
// a 10,000-candidate history and a cheap synthetic fitness; and of sampling and mutating alone. The space is
// ViT-ResNAS's Tiny search space (docs/seed-settings.md) at 224 px.
import {
  countArch,
  createRng,
  mutateArch,
  type SearchSpec,
  sampleArch,
  type VitArch,
  type VitSpace,
  validateSpace,
} from "@vitnas/formats";
import type { BenchSection } from "../../../bench/run";
import { Evolution } from "../src";

const conv = { kernel: 3, stride: 1, norm: "batch", act: "relu" };
const mlp = (scale: number) => [768, 704, 640, 576, 512, 448, 384].map((m) => m * scale);

const parsed = validateSpace({
  format: "vit-space/v1",
  input: { imageSize: 224, channels: 3, classes: 1000 },
  stem: {
    convs: [
      { ...conv, out: 24, stride: 2 },
      {
        residual: [
          { ...conv, out: 24 },
          { ...conv, out: 24 },
        ],
      },
    ],
    patch: { kernel: 7, stride: 7 },
  },
  position: ["learned"],
  stages: [
    {
      widths: [256, 224, 192, 176, 160],
      headDim: 32,
      depth: [3, 4, 5, 6],
      heads: [6, 5, 4, 3],
      mlpHidden: mlp(1),
      attention: ["softmax"],
    },
    {
      widths: [512, 448, 384, 352, 320],
      headDim: 48,
      depth: [3, 4, 5, 6],
      heads: [12, 10, 8, 6],
      mlpHidden: mlp(2),
      attention: ["softmax"],
      reduction: ["residual"],
    },
    {
      widths: [1024, 896, 768, 704, 640],
      headDim: 64,
      depth: [3, 4, 5, 6],
      heads: [12, 10, 8, 6],
      mlpHidden: mlp(4),
      attention: ["softmax"],
      reduction: ["residual"],
    },
  ],
});
if (!parsed.ok) throw new Error(`benchmark space is invalid: ${JSON.stringify(parsed.errors)}`);
const SPACE: VitSpace = parsed.value;

/** ViT-Res-Tiny's MACs, the constraint of ViT-ResNAS's Tiny search (docs/model-conventions.md). */
const C = 1_794_378_240;

/** Accuracy that grows with MACs, plus a deterministic per-architecture wobble. */
function synthetic(arch: VitArch) {
  const { macs, params } = countArch(arch);
  const wobble = Math.abs(Math.sin(macs * 12.9898 + params * 78.233) * 43758.5453) % 1;
  return { arch, accuracy: 0.7 * (1 - Math.exp(-macs / 1e9)) + 0.2 * wobble, macs, params };
}

// Rates are per CPU second of this process (process.cpuUsage, all its threads), not per wall-clock second: the
// machines these run on are shared, and wall time there measures the neighbours as much as this code.
const now = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};
const seconds = (start: number) => (now() - start) / 1e6;
const round = (x: number) => Math.round(x);

/**
 * Candidates per second over `generations` generations of 150 (75 parents) after a `history`-candidate
 * generation 0; the first `warmup` generations are not timed (the JIT compiles meanwhile).
 */
function evolutionRate(constraints: SearchSpec["constraints"], history: number, generations: number, warmup = 3) {
  const search: SearchSpec = {
    population: history,
    generations: warmup + generations,
    parents: 75,
    mutationProb: 0.3,
    crossoverProb: 0.5,
    constraints,
    strategy: "nsga2",
    latency: { measure: false, threads: 1, runs: 50 },
  };
  const evo = Evolution.create(SPACE, search, 1);
  let start = now();
  const first = evo.proposeGeneration();
  const randomRate = first.length / seconds(start);
  evo.record(first.map(synthetic));
  let timed = 0;
  let proposed = 0;
  while (!evo.done) {
    const counted = evo.generation > warmup;
    start = now();
    const gen = evo.proposeGeneration();
    const proposing = seconds(start);
    const results = gen.map(synthetic);
    start = now();
    evo.record(results);
    if (counted) {
      timed += proposing + seconds(start);
      proposed += gen.length;
    }
  }
  return { randomRate, rate: proposed / timed, history: evo.history.length };
}

/** Median rate over rounds of sampling an architecture and mutating it, after a warm-up. */
function sampleMutateRate(perRound: number, rounds = 5) {
  const rng = createRng(3);
  for (let i = 0; i < 4 * perRound; i++) mutateArch(SPACE, sampleArch(SPACE, rng), 0.3, rng);
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = now();
    for (let i = 0; i < perRound; i++) mutateArch(SPACE, sampleArch(SPACE, rng), 0.3, rng);
    rates.push(perRound / seconds(start));
  }
  return rates.sort((a, b) => a - b)[Math.floor(rounds / 2)]!;
}

export async function bench(): Promise<BenchSection> {
  const sampleMutate = sampleMutateRate(20_000);
  const free = evolutionRate({}, 10_000, 20);
  const window = evolutionRate({ macs: { min: 0.975 * C, max: C } }, 10_000, 20);
  return {
    name: "search",
    figures: {
      "evolution at 10k history, candidates per CPU-s (no constraint)": round(free.rate),
      "evolution at 10k history, candidates per CPU-s (MACs in [0.975C, C])": round(window.rate),
      "generation 0, random candidates per CPU-s (no constraint)": round(free.randomRate),
      "generation 0, random candidates per CPU-s (shrunk to [0.975C, C])": round(window.randomRate),
      "sample + mutate, candidates per CPU-s": round(sampleMutate),
      "history at the end": free.history,
    },
  };
}
