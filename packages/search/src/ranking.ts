// NSGA-II ranking for the two objectives: non-dominated sorting (rank 0 is the Pareto front of all points, rank 1
// the front once rank 0 is removed, ...) and crowding distance within a front. With two objectives the sorting takes
// O(n log n): after sorting by accuracy (best first), a point joins the first front whose cheapest member so far
// does not dominate it, found by binary search since fronts only get worse.
import { dominates, type Objectives } from "./objectives";

/** Order of points by accuracy descending, then MACs ascending, then index (stable and deterministic). */
function byQuality(points: readonly Objectives[]): number[] {
  const order = points.map((_, i) => i);
  order.sort((i, j) => {
    const a = points[i]!;
    const b = points[j]!;
    return b.accuracy - a.accuracy || a.macs - b.macs || i - j;
  });
  return order;
}

/** The non-domination rank of every point (0 = not dominated by any other point). */
export function nonDominatedRanks(points: readonly Objectives[]): number[] {
  const ranks = new Array<number>(points.length).fill(0);
  // Last (cheapest) member of each front so far; points arrive from most to least accurate.
  const tails: Objectives[] = [];
  for (const i of byQuality(points)) {
    const p = points[i]!;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (dominates(tails[mid]!, p)) lo = mid + 1;
      else hi = mid;
    }
    tails[lo] = p;
    ranks[i] = lo;
  }
  return ranks;
}

/** Crowding distance of each member of one front (indices into `points`); the two extremes get Infinity. */
export function crowdingDistances(points: readonly Objectives[], front: readonly number[]): Map<number, number> {
  const distance = new Map<number, number>(front.map((i) => [i, 0]));
  if (front.length <= 2) {
    for (const i of front) distance.set(i, Number.POSITIVE_INFINITY);
    return distance;
  }
  for (const key of ["accuracy", "macs"] as const) {
    const sorted = [...front].sort((i, j) => points[i]![key] - points[j]![key] || i - j);
    const lo = points[sorted[0]!]![key];
    const hi = points[sorted.at(-1)!]![key];
    distance.set(sorted[0]!, Number.POSITIVE_INFINITY);
    distance.set(sorted.at(-1)!, Number.POSITIVE_INFINITY);
    if (hi === lo) continue;
    for (let k = 1; k < sorted.length - 1; k++) {
      const i = sorted[k]!;
      const gap = (points[sorted[k + 1]!]![key] - points[sorted[k - 1]!]![key]) / (hi - lo);
      distance.set(i, distance.get(i)! + gap);
    }
  }
  return distance;
}

/**
 * The indices of the best `count` points by NSGA-II: whole fronts in rank order, and from the front that does not
 * fit entirely, its most isolated members (largest crowding distance first, then lowest index).
 */
export function selectBest(points: readonly Objectives[], count: number): number[] {
  const ranks = nonDominatedRanks(points);
  const fronts: number[][] = [];
  ranks.forEach((r, i) => {
    const front = fronts[r];
    if (front) front.push(i);
    else fronts[r] = [i];
  });
  const chosen: number[] = [];
  for (const front of fronts) {
    if (chosen.length >= count) break;
    if (chosen.length + front.length <= count) {
      chosen.push(...front);
      continue;
    }
    const distance = crowdingDistances(points, front);
    const byCrowding = [...front].sort((i, j) => distance.get(j)! - distance.get(i)! || i - j);
    chosen.push(...byCrowding.slice(0, count - chosen.length));
  }
  return chosen;
}
