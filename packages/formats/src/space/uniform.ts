// The space's uniform reference architectures: every stage at its smallest, median or largest width, depth, heads
// and MLP size, with softmax attention where the stage offers it. They are the built-in baselines a search's
// trained front is compared with at their MACs (docs/final-phase.md): the hand-designed ViT of the space's family.
import { droppablePlaces, placeBlocks } from "../depth";
import { archIssues } from "../semantics";
import type { AttentionSpec, ReductionKind, VitArch, VitSpace } from "../types";

export type UniformPick = "smallest" | "median" | "largest";
export const UNIFORM_PICKS: readonly UniformPick[] = ["smallest", "median", "largest"];

/** The option of `values` at `pick`: the lower median for an even count. */
function choose(values: readonly number[], pick: UniformPick): number {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  if (pick === "smallest") return sorted[0]!;
  if (pick === "largest") return sorted.at(-1)!;
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/**
 * The block places a stage of `depth` blocks (of `places`) keeps: the leading ones, unless the space drops only
 * listed places (ViT-ResNAS's setting), where the last listed ones go first.
 */
function keptPlaces(depthDrop: VitSpace["stages"][number]["depthDrop"], places: number, depth: number): number[] {
  const droppable = droppablePlaces(depthDrop ?? "last", places);
  const all = Array.from({ length: places }, (_, i) => i);
  if (!droppable || depthDrop === "any") return all.slice(0, depth);
  const dropped = new Set(droppable.slice(droppable.length - (places - depth)));
  return all.filter((i) => !dropped.has(i));
}

export function uniformArch(space: VitSpace, pick: UniformPick): VitArch {
  let previous = 0;
  const arch: VitArch = {
    format: "vit-arch/v1",
    input: space.input,
    stem: space.stem,
    position: space.position[0]!,
    classToken: space.classToken,
    stages: space.stages.map((stage, i) => {
      // Widths never shrink from stage to stage: only those at or above the previous stage's count.
      const width = choose(
        stage.widths.filter((w) => w >= previous),
        pick,
      );
      previous = width;
      const attention: AttentionSpec = stage.attention.find((a) => a.type === "softmax") ?? stage.attention[0]!;
      const block = { heads: choose(stage.heads, pick), mlpHidden: choose(stage.mlpHidden, pick), attention };
      return {
        width,
        headDim: stage.headDim,
        reduction: (i === 0 ? "none" : stage.reduction[0]!) as ReductionKind,
        blocks: placeBlocks(
          Array.from({ length: choose(stage.depth, pick) }, () => ({ ...block })),
          keptPlaces(stage.depthDrop, Math.max(...stage.depth), choose(stage.depth, pick)),
        ),
      };
    }),
  };
  // A residual reduction needs an even grid: where the first listed one does not fit, another listed one may.
  for (const [i, stage] of arch.stages.entries()) {
    if (i === 0 || archIssues(arch).length === 0) continue;
    for (const r of space.stages[i]!.reduction) {
      stage.reduction = r;
      if (archIssues(arch).length === 0) break;
    }
  }
  return arch;
}
