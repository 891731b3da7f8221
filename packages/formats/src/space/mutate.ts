// Mutation: each gene (position; per stage width, reduction, depth; per block heads, MLP hidden, attention) is
// re-drawn uniformly from its candidates with probability `prob`. Widths and reductions are re-drawn only among the
// values that keep the stages valid, so a mutant of a valid architecture is always valid. Where the stage may drop
// any of its blocks (depthDrop), a re-drawn depth re-draws the kept places too; a block whose place stays keeps its
// genes, a new place gets a random block.
import { blockIndex, placeBlocks } from "../depth";
import type { BlockSpec, ReductionKind, VitArch, VitSpace } from "../types";
import { drawPlaces } from "./places";
import { macroValid, type PreparedSpace, prepareSpace, requireStagesOf } from "./prepared";
import { chance, pick, type Rng } from "./random";
import { assembleArch, randomBlock } from "./sample";

/** Values of one macro gene (stage `i`'s width or reduction) that keep the whole macro-structure valid. */
export function macroAlternatives<T extends number | ReductionKind>(
  p: PreparedSpace,
  widths: number[],
  reductions: ReductionKind[],
  i: number,
  gene: "width" | "reduction",
): T[] {
  const target = gene === "width" ? widths : reductions;
  const candidates = (gene === "width" ? p.stages[i]!.widths : p.stages[i]!.reductions) as T[];
  const current = target[i];
  const allowed = candidates.filter((v) => {
    target[i] = v;
    return macroValid(p, widths, reductions);
  });
  target[i] = current!;
  return allowed;
}

export function mutateArch(space: VitSpace, arch: VitArch, prob: number, rng: Rng): VitArch {
  const p = prepareSpace(space);
  requireStagesOf(p, arch, "mutateArch");
  const position = chance(rng, prob) ? pick(rng, p.positions) : arch.position;
  const widths = arch.stages.map((s) => s.width);
  const reductions = arch.stages.map((s, i) => (i === 0 ? "none" : s.reduction));
  const stages = arch.stages.map((s, i) => {
    const stage = p.stages[i]!;
    if (chance(rng, prob)) widths[i] = pick(rng, macroAlternatives<number>(p, widths, reductions, i, "width"));
    if (i > 0 && chance(rng, prob)) {
      reductions[i] = pick(rng, macroAlternatives<ReductionKind>(p, widths, reductions, i, "reduction"));
    }
    const places = chance(rng, prob)
      ? drawPlaces(stage, pick(rng, stage.depths), rng)
      : s.blocks.map((b, j) => blockIndex(b, j));
    const byPlace = new Map(s.blocks.map((b, j) => [blockIndex(b, j), b]));
    const blocks: BlockSpec[] = [];
    for (const place of places) {
      const old = byPlace.get(place);
      if (!old) {
        blocks.push(randomBlock(stage, rng));
        continue;
      }
      blocks.push({
        heads: chance(rng, prob) ? pick(rng, stage.heads) : old.heads,
        mlpHidden: chance(rng, prob) ? pick(rng, stage.mlpHidden) : old.mlpHidden,
        attention: { ...(chance(rng, prob) ? pick(rng, stage.attention) : old.attention) },
      });
    }
    return { width: widths[i]!, reduction: reductions[i]!, blocks: placeBlocks(blocks, places) };
  });
  return assembleArch(p, position, stages);
}
