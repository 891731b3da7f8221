// NSGA-II ranking for the two objectives: non-dominated sorting (rank 0 is the Pareto front of all points, rank 1
// the front once rank 0 is removed, ...) and crowding distance within a front. With two objectives the sorting takes
// O(n log n): in order of accuracy (best first), a point joins the first front whose cheapest member so far does
// not dominate it, found by binary search since fronts only get worse. `RankedPopulation` keeps that order as
// points arrive, in flat arrays, so ranking a large history each generation costs one pass.
import type { Objectives } from "./objectives";

/**
 * The objectives of a growing set of points, in flat arrays, with the points kept in the order the ranking visits
 * them: accuracy descending, then MACs ascending, then index.
 */
export class RankedPopulation {
  #accuracy = new Float64Array(64);
  #macs = new Float64Array(64);
  /** Point indices in quality order. */
  #order = new Int32Array(64);
  #size = 0;

  constructor(points: Iterable<Objectives> = []) {
    for (const p of points) this.add(p);
  }

  get size(): number {
    return this.#size;
  }

  #grow() {
    const cap = this.#accuracy.length * 2;
    const accuracy = new Float64Array(cap);
    accuracy.set(this.#accuracy);
    this.#accuracy = accuracy;
    const macs = new Float64Array(cap);
    macs.set(this.#macs);
    this.#macs = macs;
    const order = new Int32Array(cap);
    order.set(this.#order);
    this.#order = order;
  }

  /** Adds a point; its index is the number of points added before it. */
  add(p: Objectives): number {
    if (this.#size === this.#accuracy.length) this.#grow();
    const index = this.#size++;
    const acc = p.accuracy;
    const macs = p.macs;
    this.#accuracy[index] = acc;
    this.#macs[index] = macs;
    let lo = 0;
    let hi = index;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const j = this.#order[mid]!;
      const a = this.#accuracy[j]!;
      // Earlier indices come first among equal points, and the new index is the largest so far.
      const before = a > acc || (a === acc && this.#macs[j]! <= macs);
      if (before) lo = mid + 1;
      else hi = mid;
    }
    this.#order.copyWithin(lo + 1, lo, index);
    this.#order[lo] = index;
    return index;
  }

  /** The non-domination rank of every point (0 = not dominated by any other point). */
  ranks(): Int32Array {
    const n = this.#size;
    const ranks = new Int32Array(n);
    // Accuracy and MACs of the last (cheapest) member of each front so far. Points arrive from most to least
    // accurate, so a front's last member dominates the point exactly when some member of that front does.
    const tailAccuracy = new Float64Array(n);
    const tailMacs = new Float64Array(n);
    let fronts = 0;
    for (let k = 0; k < n; k++) {
      const i = this.#order[k]!;
      const acc = this.#accuracy[i]!;
      const macs = this.#macs[i]!;
      let lo = 0;
      let hi = fronts;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const tm = tailMacs[mid]!;
        if (tm < macs || (tm === macs && tailAccuracy[mid]! > acc)) lo = mid + 1;
        else hi = mid;
      }
      tailAccuracy[lo] = acc;
      tailMacs[lo] = macs;
      if (lo === fronts) fronts++;
      ranks[i] = lo;
    }
    return ranks;
  }

  /** Crowding distance of each member of one front (point indices); the two extremes get Infinity. */
  crowdingDistances(front: readonly number[]): Map<number, number> {
    const distance = new Map<number, number>(front.map((i) => [i, 0]));
    if (front.length <= 2) {
      for (const i of front) distance.set(i, Number.POSITIVE_INFINITY);
      return distance;
    }
    for (const values of [this.#accuracy, this.#macs]) {
      const sorted = [...front].sort((i, j) => values[i]! - values[j]! || i - j);
      const lo = values[sorted[0]!]!;
      const hi = values[sorted.at(-1)!]!;
      distance.set(sorted[0]!, Number.POSITIVE_INFINITY);
      distance.set(sorted.at(-1)!, Number.POSITIVE_INFINITY);
      if (hi === lo) continue;
      for (let k = 1; k < sorted.length - 1; k++) {
        const i = sorted[k]!;
        const gap = (values[sorted[k + 1]!]! - values[sorted[k - 1]!]!) / (hi - lo);
        distance.set(i, distance.get(i)! + gap);
      }
    }
    return distance;
  }

  /**
   * The indices of the `count` most accurate points, accuracy alone (ViT-ResNAS's parents): ties go to fewer MACs,
   * then to the earlier point.
   */
  topByAccuracy(count: number): number[] {
    return Array.from(this.#order.subarray(0, Math.min(count, this.#size)));
  }

  /**
   * The indices of the best `count` points by NSGA-II: whole fronts in rank order, and from the front that does
   * not fit entirely, its most isolated members (largest crowding distance first, then lowest index).
   */
  selectBest(count: number): number[] {
    const ranks = this.ranks();
    // Only the fronts up to the one that reaches `count` matter.
    const sizes: number[] = [];
    for (const r of ranks) sizes[r] = (sizes[r] ?? 0) + 1;
    let last = 0;
    for (let total = 0; last < sizes.length; last++) {
      total += sizes[last]!;
      if (total >= count) break;
    }
    const fronts: number[][] = Array.from({ length: Math.min(last, sizes.length - 1) + 1 }, () => []);
    ranks.forEach((r, i) => {
      if (r <= last) fronts[r]!.push(i);
    });
    const chosen: number[] = [];
    for (const front of fronts) {
      if (chosen.length + front.length <= count) {
        chosen.push(...front);
        continue;
      }
      const distance = this.crowdingDistances(front);
      const byCrowding = [...front].sort((i, j) => distance.get(j)! - distance.get(i)! || i - j);
      chosen.push(...byCrowding.slice(0, count - chosen.length));
      break;
    }
    return chosen;
  }
}

/** The non-domination rank of every point (0 = not dominated by any other point). */
export function nonDominatedRanks(points: readonly Objectives[]): Int32Array {
  return new RankedPopulation(points).ranks();
}

/** Crowding distance of each member of one front (indices into `points`); the two extremes get Infinity. */
export function crowdingDistances(points: readonly Objectives[], front: readonly number[]): Map<number, number> {
  return new RankedPopulation(points).crowdingDistances(front);
}

/** The indices of the best `count` points by NSGA-II (see RankedPopulation.selectBest). */
export function selectBest(points: readonly Objectives[], count: number): number[] {
  return new RankedPopulation(points).selectBest(count);
}
