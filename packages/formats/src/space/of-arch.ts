// The smallest search space that holds a given architecture: each stage's choices are the values its blocks use.
// Its stages drop their last blocks ("last"), so it holds the architecture's blocks at their places in the list: a
// block's `index` (the super-network place it inherited its weights from, docs/seed-settings.md) names weights only
// in the space it was drawn from, and a standalone model reads each stage's blocks in order whatever their index.
import type { VitArch, VitSpace } from "../types";

export function spaceOfArch(arch: VitArch): VitSpace {
  const unique = <T>(xs: T[]) => [...new Map(xs.map((x) => [JSON.stringify(x), x])).values()];
  return {
    format: "vit-space/v1",
    input: arch.input,
    stem: arch.stem,
    position: [arch.position],
    classToken: arch.classToken,
    stages: arch.stages.map((s) => ({
      widths: [s.width],
      headDim: s.headDim,
      depth: [s.blocks.length],
      heads: unique(s.blocks.map((b) => b.heads)),
      mlpHidden: unique(s.blocks.map((b) => b.mlpHidden)),
      attention: unique(s.blocks.map((b) => b.attention)),
      reduction: [s.reduction],
      depthDrop: "last" as const,
    })),
  };
}
