// Kendall's tau-b: rank agreement of two measurements of the same items, ties counted as neither order.
export function kendallTau(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error("kendallTau: the two lists must have the same length");
  let concordant = 0;
  let discordant = 0;
  let tiesA = 0;
  let tiesB = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const da = Math.sign(a[i]! - a[j]!);
      const db = Math.sign(b[i]! - b[j]!);
      if (da === 0 && db === 0) continue;
      if (da === 0) tiesA++;
      else if (db === 0) tiesB++;
      else if (da === db) concordant++;
      else discordant++;
    }
  }
  const denominator = Math.sqrt((concordant + discordant + tiesA) * (concordant + discordant + tiesB));
  return denominator === 0 ? 0 : (concordant - discordant) / denominator;
}

/**
 * Order agreement on the pairs `b` tells apart beyond its measurement noise: a pair counts when its `b` values differ
 * by more than `minGap`; it agrees when `a` orders it the same way (a tie in `a` counts as half).
 */
export function pairAgreement(
  a: readonly number[],
  b: readonly number[],
  minGap: number,
): { pairs: number; agreeing: number } {
  if (a.length !== b.length) throw new Error("pairAgreement: the two lists must have the same length");
  let pairs = 0;
  let agreeing = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      if (Math.abs(b[i]! - b[j]!) <= minGap) continue;
      pairs++;
      const da = Math.sign(a[i]! - a[j]!);
      if (da === 0) agreeing += 0.5;
      else if (da === Math.sign(b[i]! - b[j]!)) agreeing++;
    }
  }
  return { pairs, agreeing };
}

/** Two standard errors of the difference of two accuracies near `p`, each measured on `n` images (binomial). */
export function accuracyGap(p: number, n: number): number {
  return 2 * Math.sqrt((2 * p * (1 - p)) / n);
}
