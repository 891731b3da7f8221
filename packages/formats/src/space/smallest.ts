// The space's cheapest corner: the lower end of the MACs range a search over the space can reach, shown before a
// job is submitted beside largestArch's upper end. Every size at its smallest (uniformArch's "smallest"), then,
// pass after pass until nothing lowers the count, each stage's cheapest attention type and reduction and the
// cheapest position: MACs first, parameters on a tie. Token counts couple the stages (a halving reduction costs
// more itself and saves every later stage), so choices are judged on the whole architecture's count.
import { countArch } from "../counter";
import { archIssues } from "../semantics";
import type { VitArch, VitSpace } from "../types";
import { outsideSpace } from "./membership";
import { prepareSpace } from "./prepared";
import { uniformArch } from "./uniform";

// Each pass can only lower the count; a few settle every space tried (stages rarely exceed four).
const MAX_PASSES = 8;

export function smallestArch(space: VitSpace): VitArch {
  const p = prepareSpace(space);
  let best = uniformArch(space, "smallest");
  let cost = countArch(best);
  const consider = (candidate: VitArch): boolean => {
    if (outsideSpace(space, candidate) !== undefined || archIssues(candidate).length > 0) return false;
    const count = countArch(candidate);
    if (count.macs > cost.macs || (count.macs === cost.macs && count.params >= cost.params)) return false;
    best = candidate;
    cost = count;
    return true;
  };
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let lowered = false;
    p.stages.forEach((stage, i) => {
      for (const attention of stage.attention) {
        const candidate = structuredClone(best);
        for (const block of candidate.stages[i]!.blocks) block.attention = { ...attention };
        lowered = consider(candidate) || lowered;
      }
      for (const reduction of stage.reductions) {
        const candidate = structuredClone(best);
        candidate.stages[i]!.reduction = reduction;
        lowered = consider(candidate) || lowered;
      }
    });
    for (const position of p.positions) lowered = consider({ ...structuredClone(best), position }) || lowered;
    if (!lowered) break;
  }
  return best;
}
