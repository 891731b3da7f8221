// Multi-architecture sampling (ViT-ResNAS): every choice draws from its own balanced bank (each allowed option once
// per round, in a shuffled order), so every option trains equally often; numeric choices are listed largest first
// and limited by the candidate warm-up. Positions and reductions have no "largest" and are available from the
// start; attention types too, unless an attention warm-up runs the first type listed alone for its epochs. Where a
// stage may drop blocks other than its last (depthDrop), the dropped places are a uniform draw among the droppable
// ones, so each is kept equally often (docs/seed-settings.md).
import {
  type AttentionSpec,
  type BlockSpec,
  droppablePlaces,
  halvesGrid,
  placeBlocks,
  type ReductionKind,
  type StageSpec,
  type VitArch,
  type VitSpace,
} from "@vitnas/formats";
import { Random } from "./random";
import { candidateCount } from "./schedule";
import { firstGrid } from "./space";

export interface SamplerState {
  rng: number[];
  banks: Record<string, { allowed: number; left: number[] }>;
  /** The attention types each stage still samples after space shrinking (absent: every type of the space). */
  attention?: AttentionSpec[][];
}

/** How a sample picks its sizes: from the banks, or all at the largest or smallest the warm-up allows. */
export type SizePick = "sampled" | "largest" | "smallest";

const descending = (xs: number[]) => [...new Set(xs)].sort((a, b) => b - a);

export class ArchSampler {
  private rng: Random;
  private banks: SamplerState["banks"] = {};
  private kept?: AttentionSpec[][];

  constructor(
    readonly space: VitSpace,
    seed: number,
    private warmupEpochs = 0,
    private attentionWarmupEpochs = 0,
  ) {
    this.rng = new Random(seed, 0x5a4d);
  }

  state(): SamplerState {
    return {
      rng: this.rng.state(),
      banks: structuredClone(this.banks),
      ...(this.kept ? { attention: structuredClone(this.kept) } : {}),
    };
  }

  restore(state: SamplerState) {
    this.rng = Random.fromState(state.rng);
    this.banks = structuredClone(state.banks);
    this.kept = state.attention ? structuredClone(state.attention) : undefined;
  }

  /** Whether space shrinking has narrowed the attention types. */
  get narrowed(): boolean {
    return this.kept !== undefined;
  }

  /**
   * Space shrinking (shrink.ts): from now on stage s samples only `kept[s]`, each one of the space's own types.
   * The banks of attention draws start afresh over the kept types.
   */
  narrow(kept: AttentionSpec[][]) {
    const stages = this.space.stages;
    if (kept.length !== stages.length) throw new Error(`narrow: ${kept.length} type lists for ${stages.length} stages`);
    kept.forEach((types, s) => {
      if (types.length === 0) throw new Error(`narrow: stage ${s} keeps no attention type`);
      const known = new Set(stages[s]!.attention.map(typeKey));
      for (const t of types) if (!known.has(typeKey(t))) throw new Error(`narrow: ${typeKey(t)} is not in stage ${s}`);
    });
    this.kept = structuredClone(kept);
    for (const key of Object.keys(this.banks)) if (key.endsWith(".attention")) delete this.banks[key];
  }

  /** The space the sub-networks are drawn from: the job's, with each stage's attention types as narrowed. */
  get drawSpace(): VitSpace {
    return narrowSpace(this.space, this.kept);
  }

  /**
   * One architecture for a step of `epoch`. `sizes`: `largest` or `smallest` takes the extreme width, depth, heads
   * and MLP size the candidate warm-up allows (the sandwich rule), while attention types, positions and reductions,
   * which have no order, are drawn from their banks as always.
   */
  sample(epoch: number, sizes: SizePick = "sampled"): VitArch {
    const space = this.drawSpace;
    const warm = (k: number) => candidateCount(epoch, k, this.warmupEpochs);
    const size = (key: string, count: number, allowed: number, valid: (i: number) => boolean = () => true) => {
      if (sizes === "sampled") return this.draw(key, count, allowed, valid);
      const order = Array.from({ length: allowed }, (_, i) => (sizes === "largest" ? i : allowed - 1 - i));
      const at = order.find(valid);
      if (at !== undefined) return at;
      for (let i = 0; i < count; i++) if (valid(i)) return i;
      return -1;
    };
    const position = space.position[this.draw("position", space.position.length, space.position.length)]!;
    let grid = firstGrid(space);
    let prevWidth = 0;
    const stages: StageSpec[] = space.stages.map((stage, s) => {
      let reduction: ReductionKind = "none";
      if (s > 0) {
        const ok = (r: ReductionKind) => !halvesGrid(r) || (grid % 2 === 0 && grid >= 2);
        const at = this.draw(`s${s}.reduction`, stage.reduction.length, stage.reduction.length, (i) =>
          ok(stage.reduction[i]!),
        );
        if (at < 0) throw new Error(`stages[${s}].reduction: none of [${stage.reduction}] fits a ${grid}x${grid} grid`);
        reduction = stage.reduction[at]!;
        if (halvesGrid(reduction)) grid /= 2;
      }
      const widths = descending(stage.widths);
      const wi = size(`s${s}.width`, widths.length, warm(widths.length), (i) => widths[i]! >= prevWidth);
      if (wi < 0) throw new Error(`stages[${s}].widths: none reaches the previous stage's width ${prevWidth}`);
      const width = widths[wi]!;
      prevWidth = width;
      const depths = descending(stage.depth);
      const depth = depths[size(`s${s}.depth`, depths.length, warm(depths.length))]!;
      const heads = descending(stage.heads);
      const mlps = descending(stage.mlpHidden);
      const blocks: BlockSpec[] = [];
      for (let j = 0; j < depth; j++) {
        // The attention warm-up runs the first type listed alone; its bank is left untouched until then.
        const attention: AttentionSpec =
          epoch < this.attentionWarmupEpochs
            ? stage.attention[0]!
            : stage.attention[this.draw(`s${s}.b${j}.attention`, stage.attention.length, stage.attention.length)]!;
        blocks.push({
          heads: heads[size(`s${s}.b${j}.heads`, heads.length, warm(heads.length))]!,
          mlpHidden: mlps[size(`s${s}.b${j}.mlp`, mlps.length, warm(mlps.length))]!,
          attention,
        });
      }
      return { width, headDim: stage.headDim, reduction, blocks: placeBlocks(blocks, this.places(stage, depth)) };
    });
    return {
      format: "vit-arch/v1",
      input: space.input,
      stem: space.stem,
      position,
      classToken: space.classToken,
      stages,
    };
  }

  /** The places a sub-network of `depth` blocks keeps in `stage`: the leading ones, or all but a uniform draw. */
  private places(stage: VitSpace["stages"][number], depth: number): number[] {
    const total = Math.max(...stage.depth);
    const droppable = droppablePlaces(stage.depthDrop ?? "last", total);
    if (!droppable) return Array.from({ length: depth }, (_, j) => j);
    const dropped = new Set(this.rng.shuffle([...droppable]).slice(0, total - depth));
    return Array.from({ length: total }, (_, p) => p).filter((p) => !dropped.has(p));
  }

  /**
   * Next option index of a choice with `count` options of which the first `allowed` may be drawn. An option the
   * constraint rejects stays in the bank for a later draw; when none in the bank fits, the largest valid option of
   * all is taken (-1: none at all).
   */
  private draw(key: string, count: number, allowed: number, valid: (i: number) => boolean = () => true): number {
    let bank = this.banks[key];
    if (!bank || bank.allowed !== allowed || bank.left.length === 0) {
      bank = { allowed, left: this.rng.shuffle(Array.from({ length: allowed }, (_, i) => i)) };
      this.banks[key] = bank;
    }
    const at = bank.left.findIndex(valid);
    if (at >= 0) return bank.left.splice(at, 1)[0]!;
    for (let i = 0; i < count; i++) if (valid(i)) return i;
    return -1;
  }
}

/**
 * The sandwich rule's largest sub-network: every size at its largest, with the first attention type and reduction
 * listed and one position kind, so it is the one the super-network trains. Not the space's costliest architecture,
 * which takes each stage's costliest attention and reduction (@vitnas/formats' largestArch, the upper end of
 * the space's MACs range).
 */
export function largestSubnet(space: VitSpace, position = space.position[0]!): VitArch {
  return pickArch(space, position, Math.max, (stage) => stage.reduction[0]!);
}

/** The sandwich rule's smallest sub-network: every size at its smallest that is valid, the first choices listed. */
export function smallestSubnet(space: VitSpace, position = space.position[0]!): VitArch {
  return pickArch(space, position, Math.min, (stage) => stage.reduction[0]!);
}

/** `space` with each stage's attention types narrowed to `attention[s]` (absent: the space itself). */
export function narrowSpace(space: VitSpace, attention?: AttentionSpec[][]): VitSpace {
  if (!attention) return space;
  return { ...space, stages: space.stages.map((stage, s) => ({ ...stage, attention: attention[s]! })) };
}

/** An attention type as one comparable string (a type may carry its own settings). */
export const typeKey = (t: AttentionSpec): string => JSON.stringify(t);

function pickArch(
  space: VitSpace,
  position: VitArch["position"],
  pick: (...xs: number[]) => number,
  reduction: (stage: VitSpace["stages"][number]) => ReductionKind,
): VitArch {
  let prev = 0;
  return {
    format: "vit-arch/v1",
    input: space.input,
    stem: space.stem,
    position,
    classToken: space.classToken,
    stages: space.stages.map((stage, s) => {
      const width = Math.max(prev, pick(...stage.widths.filter((w) => w >= prev)));
      prev = width;
      const heads = pick(...stage.heads);
      const mlpHidden = pick(...stage.mlpHidden);
      const depth = pick(...stage.depth);
      // Where any block may go, the last droppable ones go: the architecture stays one of the space's.
      const total = Math.max(...stage.depth);
      const droppable = droppablePlaces(stage.depthDrop ?? "last", total) ?? [];
      const dropped = new Set(droppable.slice(droppable.length - (total - depth)));
      const places = Array.from({ length: total }, (_, p) => p).filter((p) => !dropped.has(p));
      const blocks = Array.from({ length: depth }, () => ({ heads, mlpHidden, attention: stage.attention[0]! }));
      return {
        width,
        headDim: stage.headDim,
        reduction: s === 0 ? "none" : reduction(stage),
        blocks: placeBlocks(blocks, places.slice(0, depth)),
      };
    }),
  };
}
