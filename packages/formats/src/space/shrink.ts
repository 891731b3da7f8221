// Bringing an architecture inside MACs/parameter bounds by changing one choice at a time, as ViT-ResNAS does with
// random architectures that break its constraint. Each step takes, in random order, the first change that lowers
// the total relative violation: one-step-smaller (or larger) widths, depths, heads and MLP sizes first, since
// those move MACs and parameters together; attention, reduction and position swaps only when none of those helps.
// The violation falls strictly at each step, so the walk ends: inside the bounds, or stuck, which is an error.
import { countArch } from "../counter";
import { blockIndex, placeBlocks } from "../depth";
import type { BlockSpec, BoundsSpec, ReductionKind, VitArch, VitSpace } from "../types";
import {
  macroValid,
  type PreparedSpace,
  type PreparedStage,
  prepareSpace,
  requireStagesOf,
  sameAttention,
} from "./prepared";
import { createRng, type Rng, randomIndex } from "./random";
import { assembleArch } from "./sample";

export interface Constraints {
  macs?: BoundsSpec;
  params?: BoundsSpec;
}

export class ConstraintError extends Error {
  constructor(
    message: string,
    readonly macs: number,
    readonly params: number,
  ) {
    super(message);
    this.name = "ConstraintError";
  }
}

const describe = (c: Constraints) =>
  (["macs", "params"] as const)
    .flatMap((k) => [
      c[k]?.min !== undefined ? `${k} >= ${c[k].min}` : [],
      c[k]?.max !== undefined ? `${k} <= ${c[k].max}` : [],
    ])
    .flat()
    .join(", ");

/** Sum over the bounded figures of how far outside its bounds each is, relative to the bound. 0: inside. */
export function violation(count: { macs: number; params: number }, c: Constraints): number {
  let v = 0;
  for (const k of ["macs", "params"] as const) {
    const b = c[k];
    if (!b) continue;
    if (b.max !== undefined && count[k] > b.max) v += (count[k] - b.max) / Math.max(b.max, 1);
    if (b.min !== undefined && count[k] < b.min) v += (b.min - count[k]) / Math.max(b.min, 1);
  }
  return v;
}

export function meetsConstraints(count: { macs: number; params: number }, c: Constraints): boolean {
  return violation(count, c) === 0;
}

/** Applies a change in place and returns its undo. */
type Move = () => () => void;

function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomIndex(rng, i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

function neighbour(values: readonly number[], current: number, dir: 1 | -1): number | undefined {
  let best: number | undefined;
  for (const v of values) {
    if (dir < 0 ? v < current && (best === undefined || v > best) : v > current && (best === undefined || v < best)) {
      best = v;
    }
  }
  return best;
}

const setter =
  <T, K extends keyof T>(target: T, key: K, value: T[K]): Move =>
  () => {
    const old = target[key];
    target[key] = value;
    return () => {
      target[key] = old;
    };
  };

/** One-step size changes in direction `dir`: they move MACs and parameters the same way. */
function sizeMoves(p: PreparedSpace, arch: VitArch, dir: 1 | -1): Move[] {
  const moves: Move[] = [];
  const widths = arch.stages.map((s) => s.width);
  const reductions = arch.stages.map((s) => s.reduction);
  arch.stages.forEach((stage, i) => {
    const c = p.stages[i]!;
    // Every other width, in both directions: a narrower stage before a `none` reduction adds a widening Linear,
    // so the next width down can cost more while a larger jump costs less, and widening a stage can be the only
    // change that sheds parameters. A move is kept only when the violation falls, so this cannot cycle.
    for (const w of c.widths) {
      if (w === stage.width) continue;
      widths[i] = w;
      if (macroValid(p, widths, reductions)) moves.push(setter(stage, "width", w));
      widths[i] = stage.width;
    }
    const d = neighbour(c.depths, stage.blocks.length, dir);
    if (d !== undefined && c.droppable) moves.push(...placeMoves(c, stage, d));
    else if (d !== undefined) {
      moves.push(() => {
        const old = stage.blocks;
        stage.blocks = old.slice(0, d);
        // Deepening repeats the last block, so growing never brings in a costlier block type than the stage has.
        while (stage.blocks.length < d) {
          const last = stage.blocks.at(-1)!;
          stage.blocks.push({ ...last, attention: { ...last.attention } });
        }
        return () => {
          stage.blocks = old;
        };
      });
    }
    for (const block of stage.blocks) {
      const h = neighbour(c.heads, block.heads, dir);
      if (h !== undefined) moves.push(setter(block, "heads", h));
      const m = neighbour(c.mlpHidden, block.mlpHidden, dir);
      if (m !== undefined) moves.push(setter(block, "mlpHidden", m));
    }
  });
  return moves;
}

/**
 * Depth changes to `depth` where the stage may drop blocks other than the last (depthDrop): one move per droppable
 * kept place to drop first (shallower; more droppable kept places go from the end if needed), or per free place to
 * fill first (deeper; more free places from the start). A new block copies its nearest kept neighbour, before it if
 * there is one, so growing never brings in a costlier block type than the stage has.
 */
function placeMoves(c: PreparedStage, stage: { blocks: BlockSpec[] }, depth: number): Move[] {
  const places = stage.blocks.map((b, j) => blockIndex(b, j));
  const droppable = new Set(c.droppable);
  const set =
    (next: number[]): Move =>
    () => {
      const old = stage.blocks;
      const at = new Map(old.map((b, j) => [places[j]!, b]));
      const blocks = next.map((place) => {
        const kept = at.get(place);
        if (kept) return kept;
        const near = places.filter((p) => p < place).at(-1) ?? places.find((p) => p > place)!;
        const copy = at.get(near)!;
        return { heads: copy.heads, mlpHidden: copy.mlpHidden, attention: { ...copy.attention } };
      });
      stage.blocks = placeBlocks(blocks, next);
      return () => {
        stage.blocks = old;
      };
    };
  const moves: Move[] = [];
  if (depth < places.length) {
    const candidates = places.filter((p) => droppable.has(p));
    const count = places.length - depth;
    if (candidates.length < count) return moves;
    for (const first of candidates) {
      const others = count > 1 ? candidates.filter((p) => p !== first).slice(-(count - 1)) : [];
      const gone = new Set([first, ...others]);
      moves.push(set(places.filter((p) => !gone.has(p))));
    }
  } else {
    const kept = new Set(places);
    const free = Array.from({ length: c.places }, (_, p) => p).filter((p) => !kept.has(p));
    const count = depth - places.length;
    if (free.length < count) return moves;
    for (const first of free) {
      const more = free.filter((p) => p !== first).slice(0, count - 1);
      moves.push(set([...places, first, ...more].sort((a, b) => a - b)));
    }
  }
  return moves;
}

/** Swaps whose effect on MACs and parameters depends on the architecture. */
function swapMoves(p: PreparedSpace, arch: VitArch): Move[] {
  const moves: Move[] = [];
  for (const position of p.positions) if (position !== arch.position) moves.push(setter(arch, "position", position));
  const widths = arch.stages.map((s) => s.width);
  const reductions = arch.stages.map((s) => s.reduction);
  arch.stages.forEach((stage, i) => {
    const c = p.stages[i]!;
    if (i > 0) {
      for (const r of c.reductions) {
        if (r === stage.reduction) continue;
        reductions[i] = r;
        if (macroValid(p, widths, reductions)) moves.push(setter<typeof stage, "reduction">(stage, "reduction", r));
        reductions[i] = stage.reduction as ReductionKind;
      }
    }
    for (const block of stage.blocks) {
      for (const a of c.attention)
        if (!sameAttention(a, block.attention)) moves.push(setter(block, "attention", { ...a }));
    }
  });
  return moves;
}

/**
 * A copy of `arch` (an architecture of `space`) changed until its MACs and parameters meet `constraints`.
 * Throws ConstraintError when no sequence of single changes gets there.
 */
export function shrinkArch(space: VitSpace, arch: VitArch, constraints: Constraints, rng: Rng = createRng(0)): VitArch {
  const p = prepareSpace(space);
  requireStagesOf(p, arch, "shrinkArch");
  const work = assembleArch(
    p,
    arch.position,
    arch.stages.map((s) => ({
      width: s.width,
      reduction: s.reduction,
      blocks: s.blocks.map((b) => ({ ...b, attention: { ...b.attention } })),
    })),
  );
  let count = countArch(work);
  let v = violation(count, constraints);
  while (v > 0) {
    const over = (["macs", "params"] as const).some((k) => {
      const max = constraints[k]?.max;
      return max !== undefined && count[k] > max;
    });
    const tiers = [() => sizeMoves(p, work, over ? -1 : 1), () => swapMoves(p, work)];
    let improved = false;
    for (const tier of tiers) {
      for (const move of shuffle(tier(), rng)) {
        const undo = move();
        const next = countArch(work);
        const nv = violation(next, constraints);
        if (nv < v) {
          count = next;
          v = nv;
          improved = true;
          break;
        }
        undo();
      }
      if (improved) break;
    }
    if (!improved) {
      throw new ConstraintError(
        `cannot meet the constraints (${describe(constraints)}): changing choices one at a time stops at ` +
          `${count.macs} MACs and ${count.params} parameters with no change that gets closer`,
        count.macs,
        count.params,
      );
    }
  }
  return work;
}
