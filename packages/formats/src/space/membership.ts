// Whether an architecture is one of a search space's, and if not, the first reason why.
import { blockIndex } from "../depth";
import type { BlockSpec, VitArch, VitSpace } from "../types";
import { canonicalJson } from "./hash";
import { attentionKey, macroValid, type PreparedStage, prepareSpace } from "./prepared";

/** Why a stage's blocks do not sit at places the space's stage lets a sub-network keep, or undefined. */
function misplaced(c: PreparedStage, blocks: BlockSpec[], at: string): string | undefined {
  const droppable = new Set(c.droppable ?? []);
  let next = 0;
  for (const [j, b] of blocks.entries()) {
    const place = blockIndex(b, j);
    if (!c.droppable) {
      if (place !== j) return `${at}.blocks[${j}].index: ${place}, but the stage drops only its last blocks`;
      continue;
    }
    if (place >= c.places) return `${at}.blocks[${j}].index: ${place}, the stage has ${c.places} places`;
    for (; next < place; next++) {
      if (!droppable.has(next)) return `${at}.blocks[${j}]: place ${next} is dropped, which the space does not allow`;
    }
    next = place + 1;
  }
  for (; c.droppable && next < c.places; next++) {
    if (!droppable.has(next)) return `${at}.blocks: place ${next} is dropped, which the space does not allow`;
  }
  return undefined;
}

/** The first reason `arch` is not in `space` (a path and a message), or undefined when it is. */
export function outsideSpace(space: VitSpace, arch: VitArch): string | undefined {
  const p = prepareSpace(space);
  if (arch.format !== "vit-arch/v1") return `format: expected "vit-arch/v1", got ${JSON.stringify(arch.format)}`;
  if (canonicalJson(arch.input) !== canonicalJson(space.input)) return "input: differs from the space's input";
  if (canonicalJson(arch.stem) !== canonicalJson(space.stem)) return "stem: differs from the space's fixed stem";
  if (arch.classToken !== space.classToken) return `classToken: the space has ${space.classToken}`;
  if (!p.positions.includes(arch.position)) return `position: ${arch.position} is not a candidate`;
  if (arch.stages.length !== p.stages.length) {
    return `stages: ${arch.stages.length} stages, the space has ${p.stages.length}`;
  }
  for (const [i, s] of arch.stages.entries()) {
    const c = p.stages[i]!;
    const at = `stages[${i}]`;
    if (s.headDim !== c.headDim) return `${at}.headDim: ${s.headDim}, the space fixes ${c.headDim}`;
    if (!c.widths.includes(s.width)) return `${at}.width: ${s.width} is not a candidate`;
    if (i > 0 && !c.reductions.includes(s.reduction)) return `${at}.reduction: ${s.reduction} is not a candidate`;
    if (!c.depths.includes(s.blocks.length)) return `${at}.blocks: depth ${s.blocks.length} is not a candidate`;
    const where = misplaced(c, s.blocks, at);
    if (where) return where;
    for (const [j, b] of s.blocks.entries()) {
      if (!c.heads.includes(b.heads)) return `${at}.blocks[${j}].heads: ${b.heads} is not a candidate`;
      if (!c.mlpHidden.includes(b.mlpHidden)) return `${at}.blocks[${j}].mlpHidden: ${b.mlpHidden} is not a candidate`;
      if (!c.attentionKeys.includes(attentionKey(b.attention))) {
        return `${at}.blocks[${j}].attention: ${canonicalJson(b.attention)} is not a candidate`;
      }
    }
  }
  const widths = arch.stages.map((s) => s.width);
  const reductions = arch.stages.map((s) => s.reduction);
  if (!macroValid(p, widths, reductions)) {
    return "stages: a width below the previous stage's, or a residual reduction on an odd token grid";
  }
  return undefined;
}

export function isInSpace(space: VitSpace, arch: VitArch): boolean {
  return outsideSpace(space, arch) === undefined;
}
