// The Pareto front kept incrementally: an insertion drops the points it dominates, and a dominated point never
// enters. Points are kept sorted by MACs; along the front accuracy then rises strictly, except for points equal on
// both objectives, which do not dominate each other and are all kept.
import { dominates, type Objectives } from "./objectives";

export class ParetoFront<T extends Objectives> {
  #points: T[] = [];

  constructor(points: Iterable<T> = []) {
    for (const p of points) this.insert(p);
  }

  /** The front, cheapest first. Do not modify. */
  get points(): readonly T[] {
    return this.#points;
  }

  get size(): number {
    return this.#points.length;
  }

  /** First index whose MACs are >= macs (strict: > macs). */
  #bound(macs: number, strict: boolean): number {
    let lo = 0;
    let hi = this.#points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.#points[mid]!.macs;
      if (m < macs || (strict && m === macs)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Adds `p` unless a point of the front dominates it; returns whether it entered. */
  insert(p: T): boolean {
    const after = this.#bound(p.macs, true);
    // Among the points no more expensive than p, the last is the most accurate: if it does not dominate p, none does.
    const best = this.#points[after - 1];
    if (best && dominates(best, p)) return false;
    let start = this.#bound(p.macs, false);
    while (start < this.#points.length) {
      const q = this.#points[start]!;
      if (q.macs === p.macs && q.accuracy === p.accuracy) start++;
      else break;
    }
    let end = start;
    while (end < this.#points.length && this.#points[end]!.accuracy <= p.accuracy) end++;
    this.#points.splice(start, end - start, p);
    return true;
  }
}

/**
 * 2-D hypervolume: the area of the (MACs, accuracy) plane dominated by `points` and bounded by the reference point
 * (MACs = referenceMacs, accuracy = 0), divided by referenceMacs, so a front lies in [0, 1] (1 would be 100%
 * accuracy at 0 MACs). Points at or beyond the reference MACs add nothing; dominated points may be included.
 */
export function hypervolume(points: readonly Objectives[], referenceMacs: number): number {
  if (!(referenceMacs > 0)) return 0;
  const sorted = points.filter((p) => p.macs < referenceMacs && p.accuracy > 0).sort((a, b) => a.macs - b.macs);
  let area = 0;
  let best = 0;
  for (let i = 0; i < sorted.length; i++) {
    const p = sorted[i]!;
    best = Math.max(best, p.accuracy);
    const next = i + 1 < sorted.length ? sorted[i + 1]!.macs : referenceMacs;
    area += (next - Math.max(p.macs, 0)) * best;
  }
  return area / referenceMacs;
}
