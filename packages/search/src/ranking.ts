// NSGA-II ranking for the two objectives: non-dominated sorting (rank 0 is the Pareto front of all points, rank 1
// the front once rank 0 is removed, ...) and crowding distance within a front. With two objectives the sorting takes
// O(n log n): after sorting by accuracy (best first), a point joins the first front whose cheapest member so far
// does not dominate it, found by binary search since fronts only get worse.
import type { Objectives } from "./objectives";

/** Sorting order of the ranking: accuracy descending, then MACs ascending, then index (stable, deterministic). */
export function compareQuality(points: readonly Objectives[], i: number, j: number): number {
  const a = points[i]!;
  const b = points[j]!;
  return b.accuracy - a.accuracy || a.macs - b.macs || i - j;
}

/** Indices of the points in `compareQuality` order. */
export function qualityOrder(points: readonly Objectives[]): number[] {
  const accuracy = Float64Array.from(points, (p) => p.accuracy);
  const macs = Float64Array.from(points, (p) => p.macs);
  const order = points.map((_, i) => i);
  return order.sort((i, j) => accuracy[j]! - accuracy[i]! || macs[i]! - macs[j]! || i - j);
}

/**
 * The non-domination rank of every point (0 = not dominated by any other point). `order` may be given when the
 * caller keeps the points' `qualityOrder` up to date.
 */
export function nonDominatedRanks(points: readonly Objectives[], order = qualityOrder(points)): Int32Array {
  const ranks = new Int32Array(points.length);
  // Accuracy and MACs of the last (cheapest) member of each front so far; points arrive from most to least
  // accurate, so a front's last member dominates the point exactly when some member of that front does.
  const tailAccuracy: number[] = [];
  const tailMacs: number[] = [];
  for (const i of order) {
    const p = points[i]!;
    const acc = p.accuracy;
    const macs = p.macs;
    let lo = 0;
    let hi = tailMacs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const tm = tailMacs[mid]!;
      const dominated = tm < macs || (tm === macs && tailAccuracy[mid]! > acc);
      if (dominated) lo = mid + 1;
      else hi = mid;
    }
    tailAccuracy[lo] = acc;
    tailMacs[lo] = macs;
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
export function selectBest(points: readonly Objectives[], count: number, order?: number[]): number[] {
  const ranks = nonDominatedRanks(points, order);
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
