// Uniform crossover: each gene comes from parent `b` with probability `prob`, otherwise from `a`. A stage's blocks
// follow the kept places chosen for the child (with depthDrop "last": its depth, the leading places): a block at a
// place both parents have takes each of its genes from either, a block only one parent has is copied from it. Widths and reductions are chosen stage by stage among the values that
// still leave a valid way to finish the remaining stages; if neither parent's value does, a valid one is drawn.
import { blockIndex, placeBlocks } from "../depth";
import { halvesGrid } from "../reduction";
import type { BlockSpec, ReductionKind, VitArch, VitSpace } from "../types";
import { gridAfter, type PreparedSpace, prepareSpace, requireStagesOf, transitionAllowed } from "./prepared";
import { chance, pick, type Rng } from "./random";
import { assembleArch } from "./sample";

/** Whether stage i may take (width, reduction) after `prevWidth` and still be completed to a valid architecture. */
function completable(
  p: PreparedSpace,
  i: number,
  prevWidth: number,
  residuals: number,
  width: number,
  reduction: ReductionKind,
): boolean {
  const wi = p.stages[i]!.widths.indexOf(width);
  if (wi < 0) return false;
  if (i > 0 && !transitionAllowed(prevWidth, width, reduction, gridAfter(p, residuals))) return false;
  const r2 = halvesGrid(reduction) ? residuals + 1 : residuals;
  return (p.completions[i]![wi]![r2] ?? 0) > 0;
}

export function crossoverArch(space: VitSpace, a: VitArch, b: VitArch, prob: number, rng: Rng): VitArch {
  const p = prepareSpace(space);
  requireStagesOf(p, a, "crossoverArch");
  requireStagesOf(p, b, "crossoverArch");
  const from = <T>(va: T, vb: T) => (chance(rng, prob) ? vb : va);
  const position = from(a.position, b.position);
  let prevWidth = 0;
  let residuals = 0;
  const stages = p.stages.map((stage, i) => {
    const sa = a.stages[i]!;
    const sb = b.stages[i]!;
    let width = from(sa.width, sb.width);
    let reduction: ReductionKind = i === 0 ? "none" : from(sa.reduction, sb.reduction);
    if (!completable(p, i, prevWidth, residuals, width, reduction)) {
      const tries: [number, ReductionKind][] = [
        [width === sa.width ? sb.width : sa.width, reduction],
        ...p.stages[i]!.reductions.filter((r) => r !== reduction).map((r): [number, ReductionKind] => [width, r]),
        [sa.width, i === 0 ? "none" : sa.reduction],
        [sb.width, i === 0 ? "none" : sb.reduction],
      ];
      let found = tries.find(
        ([w, r]) => p.stages[i]!.reductions.includes(r) && completable(p, i, prevWidth, residuals, w, r),
      );
      if (!found) {
        const options: [number, ReductionKind][] = [];
        for (const r of stage.reductions)
          for (const w of stage.widths) if (completable(p, i, prevWidth, residuals, w, r)) options.push([w, r]);
        found = pick(rng, options);
      }
      [width, reduction] = found;
    }
    prevWidth = width;
    if (halvesGrid(reduction)) residuals++;

    const atA = new Map(sa.blocks.map((b, j) => [blockIndex(b, j), b]));
    const atB = new Map(sb.blocks.map((b, j) => [blockIndex(b, j), b]));
    const places = from([...atA.keys()], [...atB.keys()]);
    const blocks: BlockSpec[] = [];
    for (const place of places) {
      const ba = atA.get(place);
      const bb = atB.get(place);
      if (ba && bb) {
        blocks.push({
          heads: from(ba.heads, bb.heads),
          mlpHidden: from(ba.mlpHidden, bb.mlpHidden),
          attention: { ...from(ba.attention, bb.attention) },
        });
      } else {
        const only = (ba ?? bb)!;
        blocks.push({ heads: only.heads, mlpHidden: only.mlpHidden, attention: { ...only.attention } });
      }
    }
    return { width, reduction, blocks: placeBlocks(blocks, places) };
  });
  return assembleArch(p, position, stages);
}
