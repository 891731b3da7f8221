// Depth with positioned blocks (docs/seed-settings.md): a space's stage says which of its super-network blocks a
// shallower sub-network may drop (depthDrop), and an architecture's block says which of them it is (block.index).
import type { BlockSpec, DepthDrop } from "./types";

/** The super-network place of the block at position `j` of its stage's list. */
export const blockIndex = (block: BlockSpec, j: number): number => block.index ?? j;

/** The places of a stage's blocks, in order. */
export const blockIndices = (blocks: readonly BlockSpec[]): number[] => blocks.map(blockIndex);

/** Whether the blocks sit at places 0..n-1, as with depthDrop "last". */
export const leadingBlocks = (blocks: readonly BlockSpec[]): boolean => blocks.every((b, j) => blockIndex(b, j) === j);

/** The places of `places` (a stage's largest depth) a sub-network may drop; undefined for "last" (the tail). */
export function droppablePlaces(depthDrop: DepthDrop, places: number): number[] | undefined {
  if (depthDrop === "last") return undefined;
  if (depthDrop === "any") return Array.from({ length: places }, (_, i) => i);
  return [...depthDrop].sort((a, b) => a - b);
}

/**
 * The blocks of `blocks` with `index` written exactly where it differs from the block's place in the list, the one
 * form every operation writes (and the canonical id keeps).
 */
export function placeBlocks(blocks: BlockSpec[], indices: readonly number[]): BlockSpec[] {
  return blocks.map((block, j) => {
    const { index: _, ...rest } = block;
    return indices[j] === j ? rest : { ...rest, index: indices[j]! };
  });
}
