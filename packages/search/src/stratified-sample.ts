// Seeded samples of distinct architectures for ranking benchmarks, so a ranking has real differences to find:
// - `stratifiedByMacs`: a large uniform pool sorted by MACs and cut into `count` strata of equal size, one
//   architecture drawn from each;
// - `stratifiedByChoices`: every attention type and every reduction the space offers, each spread over the MACs
//   range (docs/training-recipe.md, the ranking bench).
import {
  archHash,
  countArch,
  createRng,
  type Rng,
  randomIndex,
  sampleArch,
  type VitArch,
  type VitSpace,
} from "@vitnas/formats";
import { attentionType } from "./arch-choices";

export interface StratifiedOptions {
  count: number;
  seed: number;
  /** Uniform draws forming the pool (distinct architectures only are kept). */
  pool?: number;
  /** Applied to every draw before hashing (e.g. to make it representable on its own). */
  map?: (arch: VitArch) => VitArch;
}

/** `count` distinct architectures, cheapest first, one from each MACs stratum of a seeded uniform pool. */
export function stratifiedByMacs(space: VitSpace, options: StratifiedOptions): VitArch[] {
  const { count, seed, pool = 50 * options.count, map = (a: VitArch) => a } = options;
  const rng = createRng(seed);
  const byId = new Map<string, { arch: VitArch; macs: number }>();
  for (let i = 0; i < pool; i++) {
    const arch = map(sampleArch(space, rng));
    const id = archHash(arch);
    if (!byId.has(id)) byId.set(id, { arch, macs: countArch(arch).macs });
  }
  const sorted = [...byId.values()].sort((a, b) => a.macs - b.macs);
  if (sorted.length < count) {
    throw new Error(`stratifiedByMacs: the pool holds ${sorted.length} distinct architectures, fewer than ${count}`);
  }
  const picked: VitArch[] = [];
  for (let s = 0; s < count; s++) {
    const from = Math.floor((s * sorted.length) / count);
    const to = Math.floor(((s + 1) * sorted.length) / count);
    picked.push(sorted[from + randomIndex(rng, to - from)]!.arch);
  }
  return picked;
}

/** The attention types an architecture uses, each once, in block order. */
export function attentionTypesOf(arch: VitArch): string[] {
  return [...new Set(arch.stages.flatMap((s) => s.blocks.map((b) => attentionType(b.attention))))];
}

/** The reductions of stages 1 onwards (stage 0's is ignored by the model), as one key such as "residual,none". */
export const reductionsOf = (arch: VitArch): string =>
  arch.stages
    .slice(1)
    .map((s) => s.reduction)
    .join(",");

export interface ChoicesOptions {
  count: number;
  seed: number;
  /** Uniform draws per picked architecture among which its MACs quantile is chosen (default 200). */
  draws?: number;
}

/**
 * `count` distinct architectures covering the space's attention types, reductions and MACs range. Architecture i
 * gives every block of stage s one attention type, the stage's `(i + s * (1 + round)) mod types`-th, where `round`
 * = floor(i / types of stage 0): with 16 architectures and 8 types in each of 2 stages, every type is used by 4
 * architectures, twice per stage, each time beside another type. Its reductions cycle through the combinations
 * uniform draws reach (alternating within a round, shifted between rounds, so a type meets each). Its other choices
 * come from `draws` uniform draws with those attention types and reductions: the one at a MACs quantile assigned by
 * a seeded permutation of `count` strata, so each type spreads over its own MACs range.
 */
export function stratifiedByChoices(space: VitSpace, options: ChoicesOptions): VitArch[] {
  const { count, seed, draws = 200 } = options;
  const rng = createRng(seed);
  const types0 = space.stages[0]!.attention.length;
  const reductions = reductionKinds(space, rng);
  // A seeded permutation of the strata: drawn without replacement.
  const left = Array.from({ length: count }, (_, i) => i);
  const strata = Array.from({ length: count }, () => left.splice(randomIndex(rng, left.length), 1)[0]!);
  const seen = new Set<string>();
  const picked: VitArch[] = [];
  for (let i = 0; i < count; i++) {
    const round = Math.floor(i / types0);
    const attention = space.stages.map((s, si) => s.attention[(i + si * (1 + round)) % s.attention.length]!);
    const reduction = reductions[(i + round) % reductions.length]!;
    const pool: { arch: VitArch; macs: number; id: string }[] = [];
    for (let d = 0; d < 20 * draws && pool.length < draws; d++) {
      const drawn = sampleArch(space, rng);
      if (reductionsOf(drawn) !== reduction) continue;
      const arch: VitArch = {
        ...drawn,
        stages: drawn.stages.map((s, si) => ({
          ...s,
          blocks: s.blocks.map((b) => ({ ...b, attention: structuredClone(attention[si]!) })),
        })),
      };
      const id = archHash(arch);
      if (!seen.has(id)) pool.push({ arch, macs: countArch(arch).macs, id });
    }
    if (pool.length === 0) {
      throw new Error(
        `stratifiedByChoices: no new architecture with attention ${attention.map((a) => a.type).join(" + ")} ` +
          `and reductions ${reduction} in ${20 * draws} draws (the space is too small for ${count} architectures)`,
      );
    }
    pool.sort((a, b) => a.macs - b.macs);
    const at = pool[Math.min(pool.length - 1, Math.floor(((strata[i]! + 0.5) * pool.length) / count))]!;
    seen.add(at.id);
    picked.push(at.arch);
  }
  return picked;
}

/** The reduction combinations uniform draws reach, sorted (draws decide, since a space may forbid some mixes). */
function reductionKinds(space: VitSpace, rng: Rng): string[] {
  const kinds = new Set<string>();
  for (let i = 0; i < 500; i++) kinds.add(reductionsOf(sampleArch(space, rng)));
  return [...kinds].sort();
}
