// What a search space implies for the super-network: reachable token grids per stage and every weight at its
// largest size.
import { blockIndex, halvesGrid, type VitArch, type VitSpace } from "@vitnas/formats";
import {
  BLOCK_LAYER_NAME,
  BLOCK_NAME,
  blockPrefix,
  blockWeights,
  linearWeights,
  normWeights,
  PROJECTION_NAME,
  typeOwner,
} from "./block-weights";
import { stemWeights } from "./stem";
import type { WeightSpec } from "./weights";

const convOut = (size: number, kernel: number, stride: number, padding: number) =>
  Math.floor((size + 2 * padding - kernel) / stride) + 1;

/** Side of the first stage's token grid (square images). */
export function firstGrid(space: Pick<VitSpace, "input" | "stem">): number {
  let size = space.input.imageSize;
  for (const entry of space.stem.convs) {
    for (const c of "residual" in entry ? entry.residual : [entry]) size = convOut(size, c.kernel, c.stride, c.padding);
  }
  const p = space.stem.patch;
  return convOut(size, p.kernel, p.stride, p.padding);
}

/** Grid sides each stage can have, given the reductions the space allows (a residual one needs an even side). */
export function reachableGrids(space: VitSpace): number[][] {
  const out: number[][] = [];
  let grids = new Set([firstGrid(space)]);
  space.stages.forEach((stage, s) => {
    if (s > 0) {
      const next = new Set<number>();
      for (const g of grids) {
        if (stage.reduction.includes("none")) next.add(g);
        if (stage.reduction.some(halvesGrid) && g % 2 === 0 && g >= 2) next.add(g / 2);
      }
      if (next.size === 0) throw new Error(`stages[${s}].reduction: no reduction applies to a ${[...grids]} grid`);
      grids = next;
    }
    out.push([...grids].sort((a, b) => b - a));
  });
  return out;
}

/**
 * Every weight of the super-network, each at the largest size any architecture of the space reads; with
 * `tokenWeights` "per-grid", a token-indexed weight of a stage with several grids once per grid (TokenWeights).
 */
export function supernetWeights(
  space: VitSpace,
  attentionWeights: AttentionWeights = "shared",
  tokenWeights: TokenWeights = "shared",
): WeightSpec[] {
  const specs: WeightSpec[] = [];
  const { specs: stem, outChannels } = stemWeights(space.stem, space.input.channels);
  specs.push(...stem);
  const grids = reachableGrids(space);
  const cls = space.classToken ? 1 : 0;
  const maxTokens = (s: number) => grids[s]![0]! ** 2 + cls;
  const maxWidth = (s: number) => Math.max(...space.stages[s]!.widths);
  const learned = space.position.includes("learned");
  const p = space.stem.patch;

  specs.push(...linearWeights("patch", p.kernel * p.kernel * outChannels, maxWidth(0)));
  if (cls)
    specs.push({
      name: "cls",
      shape: [maxWidth(0)],
      init: { kind: "normal", std: 0.02 },
      trainable: true,
      decay: false,
    });
  space.stages.forEach((stage, s) => {
    const d = maxWidth(s);
    const n = maxTokens(s);
    if (s > 0) {
      const cin = maxWidth(s - 1);
      const minIn = Math.min(...space.stages[s - 1]!.widths);
      // `residual` and `conv` read the same LayerNorm, strided conv and class-token Linear (conv has no skip).
      const residual = stage.reduction.some(halvesGrid);
      const grows = stage.reduction.includes("none") && d > minIn;
      if (residual || grows) specs.push(...normWeights(`red.${s}.ln`, cin));
      if (residual) {
        specs.push({
          name: `red.${s}.conv.w`,
          shape: [9, cin, d],
          init: { kind: "dense", fanIn: [0, 1] },
          trainable: true,
          decay: true,
        });
        specs.push({
          name: `red.${s}.conv.b`,
          shape: [d],
          init: { kind: "dense-bias", fanIn: 9 * cin },
          trainable: true,
          decay: false,
        });
        if (cls) specs.push(...linearWeights(`red.${s}.cls`, cin, d));
      }
      if (grows) specs.push(...linearWeights(`red.${s}.lin`, cin, d));
    }
    // Stage 0's positions cover the class token too; a residual (or conv) reduction's only the patch tokens.
    if (learned && (s === 0 || stage.reduction.some(halvesGrid))) {
      specs.push({
        name: `pos.${s}`,
        shape: [s === 0 ? n : grids[s]![0]! ** 2, d],
        init: { kind: "normal", std: 0.02 },
        trainable: true,
        decay: false,
      });
    }
    const dims = {
      tokens: n,
      width: d,
      heads: Math.max(...stage.heads),
      headDim: stage.headDim,
      mlpHidden: Math.max(...stage.mlpHidden),
      grids:
        tokenWeights === "per-grid" && grids[s]!.length > 1
          ? grids[s]!.map((side) => ({ side, tokens: side ** 2 + cls }))
          : undefined,
    };
    for (let j = 0; j < Math.max(...stage.depth); j++) {
      specs.push(...blockWeights(blockPrefix(s, j), stage.attention, attentionWeights, dims));
    }
  });
  const last = maxWidth(space.stages.length - 1);
  specs.push(...normWeights("head.ln", last));
  specs.push(...linearWeights("head", last, space.input.classes));
  return specs;
}

/**
 * Who owns a block's q/k/v and output projection in the super-network: the block (`shared`, one set every attention
 * type reads) or each attention type of the block (`per-type`, single-path one-shot NAS's own weights per choice);
 * `per-type-block`: each attention type owns the block's norms and MLP as well.
 */
export type AttentionWeights = "per-type" | "per-type-block" | "shared";

/**
 * How many copies of a token-indexed weight (mixer's token MLP, linformer's E and F) the super-network holds in a
 * stage that can have more than one token grid (a reduction that may or may not halve it): one per grid
 * (`per-grid`), so row i always means the same place of the same grid, or one (`shared`) whose leading rows every
 * grid reads, so that row i is a place of the 8x8 grid for one sub-network and of the 4x4 grid for the next
 * (docs/training-recipe.md measures what that costs). Stages with one grid hold one copy either way.
 */
export type TokenWeights = "per-grid" | "shared";

/**
 * The super-network name of a block weight an architecture reads, where the space's stage may drop blocks other than
 * the last (depthDrop, docs/seed-settings.md): the model names a stage's blocks by their place in its list
 * (`s<i>.b<j>`, as a standalone model holds them), the super-network by their place among its blocks, the block's
 * `index`. Stages that drop only their last blocks name both alike.
 */
export function placedName(name: string, arch: VitArch, space: VitSpace): string {
  const m = BLOCK_NAME.exec(name);
  if (!m) return name;
  const s = Number(m[1]);
  const j = Number(m[2]);
  if ((space.stages[s]?.depthDrop ?? "last") === "last") return name;
  const block = arch.stages[s]?.blocks[j];
  if (!block) throw new Error(`weight ${name} belongs to no block of the architecture`);
  const index = blockIndex(block, j);
  return index === j ? name : `${blockPrefix(s, index)}.${name.slice(m[0].length)}`;
}

/**
 * The super-network name of a weight an architecture reads: a standalone model names a block's projections
 * `s<i>.b<j>.qkv.w` (its block has one attention type); with per-type weights the super-network holds them as
 * `s<i>.b<j>.<type>.qkv.w`, and with per-type blocks every layer of the block so (`s<i>.b<j>.<type>.mlp1.w` ...);
 * extras are named per type in both already.
 */
export function ownedName(name: string, arch: VitArch, attentionWeights: AttentionWeights): string {
  if (attentionWeights === "shared") return name;
  const m = (attentionWeights === "per-type-block" ? BLOCK_LAYER_NAME : PROJECTION_NAME).exec(name);
  if (!m) return name;
  const [s, j] = m[1]!.slice(1).split(".b").map(Number) as [number, number];
  const type = arch.stages[s]?.blocks[j]?.attention.type;
  if (!type) throw new Error(`weight ${name} belongs to no block of the architecture`);
  return `${typeOwner(m[1]!, type)}.${m[2]}`;
}
