// Number of distinct architectures of a search space.
import type { VitSpace } from "../types";
import { prepareSpace } from "./prepared";

/** Ways to choose k of n, exactly. */
function choose(n: number, k: number): bigint {
  let out = 1n;
  for (let i = 0; i < k; i++) out = (out * BigInt(n - i)) / BigInt(i + 1);
  return out;
}

/**
 * Positions x valid (width, reduction) sequences x, per stage, the sum over its depths d of B^d, where B is the
 * number of distinct (heads, MLP hidden, attention) blocks, times the ways to choose the D - d dropped places among
 * the droppable ones where the stage may drop more than its last blocks (depthDrop). Duplicate candidates count once.
 */
export function spaceSize(space: VitSpace): bigint {
  const p = prepareSpace(space);
  let total = BigInt(p.positions.length) * BigInt(p.macroCount);
  for (const stage of p.stages) {
    const perBlock = BigInt(stage.heads.length * stage.mlpHidden.length * stage.attention.length);
    let blocks = 0n;
    for (const d of stage.depths) {
      const placements = stage.droppable ? choose(stage.droppable.length, stage.places - d) : 1n;
      blocks += placements * perBlock ** BigInt(d);
    }
    total *= blocks;
  }
  return total;
}
