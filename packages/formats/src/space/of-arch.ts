// The smallest search space that holds a given architecture: each stage's choices are the values its blocks use.
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
    })),
  };
}
