// A seeded sample of distinct architectures spread over MACs, so a ranking test has real cost differences to find:
// a large uniform pool is sorted by MACs and cut into `count` strata of equal size, one architecture drawn from each.
import { archHash, countArch, createRng, randomIndex, sampleArch, type VitArch, type VitSpace } from "@vitnas/formats";

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
