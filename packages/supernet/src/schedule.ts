// Training schedules: learning rate, the candidate warm-up of ViT-ResNAS, and castling's training-only branch.
import type { CastlingBranch } from "@vitnas/formats";

/** Linear warm-up to `peak` over `warmupSteps`, then cosine decay to 0 at `totalSteps`. */
export function learningRate(step: number, peak: number, warmupSteps: number, totalSteps: number): number {
  if (step < warmupSteps) return (peak * (step + 1)) / warmupSteps;
  const span = Math.max(1, totalSteps - warmupSteps);
  const t = Math.min(1, (step - warmupSteps) / span);
  return 0.5 * peak * (1 + Math.cos(Math.PI * t));
}

/**
 * How many of a choice's K options (largest first) may be sampled in `epoch` (0-based) with a candidate warm-up of
 * W epochs: n = min(1 + floor(epoch * (K - 1) / W), K); every option from the start when W is 0.
 */
export function candidateCount(epoch: number, options: number, warmupEpochs: number): number {
  if (warmupEpochs <= 0) return options;
  return Math.min(1 + Math.floor((epoch * (options - 1)) / warmupEpochs), options);
}

/**
 * Weight of castling's masked-softmax branch (the recipe's `castlingBranch`, docs/seed-settings.md): 1 at the first
 * step, linearly down to 0 at `until` of training (default half), 0 after, so the rest of training trains the
 * inference form alone; always 0 when the branch is off.
 */
export function castlingBranchWeight(
  step: number,
  totalSteps: number,
  branch: CastlingBranch = { until: 0.5 },
): number {
  if (branch === "off") return 0;
  const end = Math.max(1, totalSteps * branch.until);
  return Math.max(0, 1 - step / end);
}
