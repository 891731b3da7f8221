// The seeded random source every search-space operation draws from. Its state is a short list of integers, so a
// search can save it with the rest of its state and resume exactly where it stopped.
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus, xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";

export type Rng = RandomGenerator;

export function createRng(seed: number): Rng {
  return xoroshiro128plus(seed | 0);
}

/** Rebuilds a generator from `rng.getState()`. */
export function restoreRng(state: readonly number[]): Rng {
  return xoroshiro128plusFromState(state);
}

/** Uniform integer in [0, n). */
export function randomIndex(rng: Rng, n: number): number {
  return n <= 1 ? 0 : uniformInt(rng, 0, n - 1);
}

/** True with probability p (to a resolution of 2^-32: one draw of the generator). */
export function chance(rng: Rng, p: number): boolean {
  if (p <= 0) return false;
  if (p >= 1) return true;
  return rng.next() + 0x80000000 < p * 0x100000000;
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[randomIndex(rng, items.length)]!;
}
