// Number of distinct architectures of a search space.
import type { VitSpace } from "../types";
import { prepareSpace } from "./prepared";

/**
 * Positions x valid (width, reduction) sequences x, per stage, the sum over its depths d of B^d, where B is the
 * number of distinct (heads, MLP hidden, attention) blocks. Duplicate candidates count once.
 */
export function spaceSize(space: VitSpace): bigint {
  const p = prepareSpace(space);
  let total = BigInt(p.positions.length) * BigInt(p.macroCount);
  for (const stage of p.stages) {
    const perBlock = BigInt(stage.heads.length * stage.mlpHidden.length * stage.attention.length);
    let blocks = 0n;
    for (const d of stage.depths) blocks += perBlock ** BigInt(d);
    total *= blocks;
  }
  return total;
}
