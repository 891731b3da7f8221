// A search space prepared once for fast repeated sampling: distinct candidate lists, and for the stage widths and
// reductions (the only choices that constrain each other) the number of valid ways to finish the stages from each
// state, so sampling can be uniform over valid combinations without rejection.
import { stageGeometry } from "../counter";
import { droppablePlaces } from "../depth";
import { halvesGrid } from "../reduction";
import type { AttentionSpec, PositionKind, ReductionKind, VitArch, VitSpace } from "../types";

export interface PreparedStage {
  widths: number[];
  depths: number[];
  heads: number[];
  mlpHidden: number[];
  attention: AttentionSpec[];
  /** Canonical key of each attention candidate, same order as `attention`. */
  attentionKeys: string[];
  /** Stage 0's reduction is ignored by the model, so it is always "none" there. */
  reductions: ReductionKind[];
  headDim: number;
  /** The stage's super-network blocks: its largest depth. */
  places: number;
  /**
   * The places a shallower sub-network may drop (depthDrop "any" or a list), in order; undefined with "last", where
   * a sub-network of depth d keeps places 0..d-1 and its blocks carry no index.
   */
  droppable: number[] | undefined;
}

export interface PreparedSpace {
  space: VitSpace;
  positions: PositionKind[];
  stages: PreparedStage[];
  /** Patch-token rows (= columns) of stage 0. */
  grid0: number;
  /**
   * completions[i][w][r]: number of valid ways to choose width and reduction for stages i+1.. when stage i has
   * width index w and r residual reductions happened up to and including stage i.
   */
  completions: number[][][];
  /** Number of valid (width, reduction) sequences over all stages. */
  macroCount: number;
}

/** Canonical key of an attention spec: its fields in sorted order. */
export function attentionKey(attention: AttentionSpec): string {
  const entries = Object.entries(attention).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(entries);
}

/** Whether two complete attention specs are the same (same type, same parameters). */
export function sameAttention(a: AttentionSpec, b: AttentionSpec): boolean {
  if (a.type !== b.type) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const k in x) if (x[k] !== y[k]) return false;
  for (const k in y) if (!(k in x)) return false;
  return true;
}

const distinct = <T>(items: readonly T[]) => [...new Set(items)];

/** Whether a stage with this width and reduction may follow one of width `prevWidth` on a `grid` x `grid` tokens. */
export function transitionAllowed(prevWidth: number, width: number, reduction: ReductionKind, grid: number): boolean {
  if (width < prevWidth) return false;
  if (halvesGrid(reduction)) return grid >= 2 && grid % 2 === 0;
  return true;
}

function grid0Of(space: VitSpace): number {
  const probe: VitArch = {
    format: "vit-arch/v1",
    input: space.input,
    stem: space.stem,
    position: "none",
    classToken: space.classToken,
    stages: [{ width: 1, headDim: 1, reduction: "none", blocks: [] }],
  };
  return stageGeometry(probe)[0]!.rows;
}

function prepareStage(stage: VitSpace["stages"][number], first: boolean): PreparedStage {
  const attention: AttentionSpec[] = [];
  const attentionKeys: string[] = [];
  for (const a of stage.attention) {
    const key = attentionKey(a);
    if (attentionKeys.includes(key)) continue;
    attention.push(a);
    attentionKeys.push(key);
  }
  return {
    widths: distinct(stage.widths),
    depths: distinct(stage.depth),
    heads: distinct(stage.heads),
    mlpHidden: distinct(stage.mlpHidden),
    attention,
    attentionKeys,
    reductions: first ? ["none"] : distinct(stage.reduction),
    headDim: stage.headDim,
    places: Math.max(...stage.depth),
    droppable: droppablePlaces(stage.depthDrop ?? "last", Math.max(...stage.depth)),
  };
}

const cache = new WeakMap<VitSpace, PreparedSpace>();

export function prepareSpace(space: VitSpace): PreparedSpace {
  const hit = cache.get(space);
  if (hit) return hit;
  const stages = space.stages.map((s, i) => prepareStage(s, i === 0));
  const grid0 = grid0Of(space);
  const S = stages.length;
  const completions: number[][][] = stages.map((s) => s.widths.map(() => new Array<number>(S + 1).fill(0)));
  for (const row of completions[S - 1]!) row.fill(1);
  for (let i = S - 2; i >= 0; i--) {
    const next = stages[i + 1]!;
    stages[i]!.widths.forEach((w, wi) => {
      for (let r = 0; r <= i; r++) {
        const grid = Math.floor(grid0 / 2 ** r);
        let total = 0;
        for (const red of next.reductions) {
          const r2 = halvesGrid(red) ? r + 1 : r;
          next.widths.forEach((w2, wi2) => {
            if (transitionAllowed(w, w2, red, grid)) total += completions[i + 1]![wi2]![r2]!;
          });
        }
        completions[i]![wi]![r] = total;
      }
    });
  }
  const macroCount = completions[0]!.reduce((sum, row) => sum + row[0]!, 0);
  const prepared: PreparedSpace = {
    space,
    positions: distinct(space.position),
    stages,
    grid0,
    completions,
    macroCount,
  };
  cache.set(space, prepared);
  return prepared;
}

/** Token grid side after `residuals` residual reductions. */
export const gridAfter = (p: PreparedSpace, residuals: number) => Math.floor(p.grid0 / 2 ** residuals);

/** Whether the stage widths and reductions form a valid macro-structure for this space. */
export function macroValid(p: PreparedSpace, widths: readonly number[], reductions: readonly ReductionKind[]): boolean {
  let residuals = 0;
  for (let i = 1; i < widths.length; i++) {
    const red = reductions[i]!;
    if (!transitionAllowed(widths[i - 1]!, widths[i]!, red, gridAfter(p, residuals))) return false;
    if (halvesGrid(red)) residuals++;
  }
  return true;
}

/** Mutation, crossover and shrinking take architectures of the space; a different stage count cannot be one. */
export function requireStagesOf(p: PreparedSpace, arch: VitArch, operation: string): void {
  if (arch.stages?.length !== p.stages.length) {
    throw new Error(
      `${operation}: the architecture has ${arch.stages?.length} stages, the space ${p.stages.length}; ` +
        "it must be an architecture of the space",
    );
  }
}
