// The reference point of the hypervolume: accuracy 0 and a MACs figure no candidate of the search exceeds.
import { countArch, type SearchSpec, type VitArch, type VitSpace } from "@vitnas/formats";

/**
 * MACs of the space's most expensive corner: the largest width, depth, heads and MLP of every stage, no token
 * reduction where the space allows none, and each stage's costliest attention. An upper bound on its architectures'
 * MACs, used when the search has no MACs maximum.
 */
export function largestMacs(space: VitSpace): number {
  const arch: VitArch = {
    format: "vit-arch/v1",
    input: space.input,
    stem: space.stem,
    position: "learned",
    classToken: space.classToken,
    stages: space.stages.map((s, i) => ({
      width: Math.max(...s.widths),
      headDim: s.headDim,
      // Keeping the tokens costs most; the halving reductions (residual, conv) cost the same.
      reduction: i === 0 || s.reduction.includes("none") ? "none" : s.reduction[0]!,
      blocks: [],
    })),
  };
  space.stages.forEach((s, i) => {
    const stage = arch.stages[i]!;
    const block = (attention: (typeof s.attention)[number]) => ({
      heads: Math.max(...s.heads),
      mlpHidden: Math.max(...s.mlpHidden),
      attention,
    });
    const cost = (attention: (typeof s.attention)[number]) => {
      stage.blocks = [block(attention)];
      return countArch(arch).stages[i]!.macs;
    };
    const costliest = s.attention.reduce((a, b) => (cost(b) > cost(a) ? b : a));
    stage.blocks = Array.from({ length: Math.max(...s.depth) }, () => block(costliest));
  });
  return countArch(arch).macs;
}

/** The hypervolume's reference MACs: the search's MACs maximum when it has one, else the space's largest MACs. */
export function referenceMacs(space: VitSpace, search: SearchSpec): number {
  return search.constraints.macs?.max ?? largestMacs(space);
}
