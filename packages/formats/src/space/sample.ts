// Uniform random architectures of a search space: every candidate of each independent choice equally likely,
// widths and reductions uniform over their valid combinations.
import { placeBlocks } from "../depth";
import { halvesGrid } from "../reduction";
import type { BlockSpec, ReductionKind, StageSpec, StemSpec, VitArch, VitSpace } from "../types";
import { drawPlaces } from "./places";
import { type PreparedSpace, type PreparedStage, prepareSpace, transitionAllowed } from "./prepared";
import { pick, type Rng, randomIndex } from "./random";

export function randomBlock(stage: PreparedStage, rng: Rng): BlockSpec {
  return {
    heads: pick(rng, stage.heads),
    mlpHidden: pick(rng, stage.mlpHidden),
    attention: { ...pick(rng, stage.attention) },
  };
}

export function copyStem(stem: StemSpec): StemSpec {
  return {
    convs: stem.convs.map((e) => ("residual" in e ? { residual: e.residual.map((c) => ({ ...c })) } : { ...e })),
    patch: { ...stem.patch },
  };
}

/** An architecture of the space with the given per-stage widths, reductions and blocks. */
export function assembleArch(
  p: PreparedSpace,
  position: VitArch["position"],
  stages: { width: number; reduction: ReductionKind; blocks: BlockSpec[] }[],
): VitArch {
  return {
    format: "vit-arch/v1",
    input: { ...p.space.input },
    stem: copyStem(p.space.stem),
    position,
    classToken: p.space.classToken,
    stages: stages.map(
      (s, i): StageSpec => ({
        width: s.width,
        headDim: p.stages[i]!.headDim,
        reduction: s.reduction,
        blocks: s.blocks,
      }),
    ),
  };
}

export class EmptySpaceError extends Error {
  constructor() {
    super("search space has no valid architecture: no sequence of stage widths and reductions is allowed");
    this.name = "EmptySpaceError";
  }
}

/** Draws widths and reductions uniformly over the valid sequences, stage by stage in proportion to completions. */
export function sampleMacro(p: PreparedSpace, rng: Rng): { widths: number[]; reductions: ReductionKind[] } {
  if (p.macroCount === 0) throw new EmptySpaceError();
  const first = p.stages[0]!;
  let draw = randomIndex(rng, p.macroCount);
  let wi = 0;
  for (; wi < first.widths.length; wi++) {
    const c = p.completions[0]![wi]![0]!;
    if (draw < c) break;
    draw -= c;
  }
  const widths = [first.widths[wi]!];
  const reductions: ReductionKind[] = ["none"];
  let residuals = 0;
  for (let i = 1; i < p.stages.length; i++) {
    const stage = p.stages[i]!;
    const prev = widths[i - 1]!;
    const grid = Math.floor(p.grid0 / 2 ** residuals);
    const options: { width: number; reduction: ReductionKind; weight: number }[] = [];
    let total = 0;
    for (const reduction of stage.reductions) {
      const r2 = halvesGrid(reduction) ? residuals + 1 : residuals;
      stage.widths.forEach((width, wj) => {
        if (!transitionAllowed(prev, width, reduction, grid)) return;
        const weight = p.completions[i]![wj]![r2]!;
        if (weight > 0) {
          options.push({ width, reduction, weight });
          total += weight;
        }
      });
    }
    let d = randomIndex(rng, total);
    let chosen = options[0]!;
    for (const o of options) {
      if (d < o.weight) {
        chosen = o;
        break;
      }
      d -= o.weight;
    }
    widths.push(chosen.width);
    reductions.push(chosen.reduction);
    if (halvesGrid(chosen.reduction)) residuals++;
  }
  return { widths, reductions };
}

/** A random valid `vit-arch/v1` inside the space. */
export function sampleArch(space: VitSpace, rng: Rng): VitArch {
  const p = prepareSpace(space);
  const macro = sampleMacro(p, rng);
  const position = pick(rng, p.positions);
  return assembleArch(
    p,
    position,
    p.stages.map((stage, i) => {
      const depth = pick(rng, stage.depths);
      const places = drawPlaces(stage, depth, rng);
      const blocks: BlockSpec[] = [];
      for (let j = 0; j < depth; j++) blocks.push(randomBlock(stage, rng));
      return { width: macro.widths[i]!, reduction: macro.reductions[i]!, blocks: placeBlocks(blocks, places) };
    }),
  );
}
