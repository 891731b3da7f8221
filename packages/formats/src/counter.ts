// Exact MACs and trainable-parameter count of a complete `vit-arch/v1` architecture (docs/model-conventions.md).
// MACs: convolutions, linear layers and attention matrix products; nothing for norms, activations, biases, residual
// adds, pooling or position embeddings.
import { attentionCore } from "./attention";
import { halvesGrid } from "./reduction";
import type { StemConvSpec, VitArch } from "./types";

/**
 * Version of the counting rules, stored beside every MACs figure (evaluation cache, metrics.json, pareto.json) so
 * figures of different versions are never compared silently. Bumped whenever a formula changes a count; the history
 * is in docs/model-conventions.md ("Counter version").
 */
export const COUNTER_VERSION = 2;

/** What the blocks of one stage see. */
export interface StageGeometry {
  /** Token grid of the stage's patch tokens. */
  rows: number;
  cols: number;
  /** Tokens the blocks see: rows * cols, plus 1 with a class token. */
  tokens: number;
  width: number;
}

export interface Cost {
  macs: number;
  params: number;
}

export interface StageCount extends Cost {
  geometry: StageGeometry;
  /** The spatial reduction into this stage (zero on stage 0 and for an identity `none`). */
  reduction: Cost;
  /** Learned position embedding added in this stage (parameters only). */
  position: number;
  blocks: Cost[];
}

export interface ArchCount extends Cost {
  /** Stem convolutions and the patchifying convolution. */
  stem: Cost;
  /** The class token (parameters only). */
  classToken: number;
  stages: StageCount[];
  /** Final LayerNorm and the classifier. */
  head: Cost;
}

const convOut = (size: number, kernel: number, stride: number, padding: number) =>
  Math.floor((size + 2 * padding - kernel) / stride) + 1;

const convsOf = (entry: VitArch["stem"]["convs"][number]): StemConvSpec[] =>
  "residual" in entry ? entry.residual : [entry];

/** Side of the patch-token grid the stem produces (square inputs give square grids). */
export function patchGrid(arch: VitArch): number {
  let size = arch.input.imageSize;
  for (const entry of arch.stem.convs) {
    for (const c of convsOf(entry)) size = convOut(size, c.kernel, c.stride, c.padding);
  }
  const p = arch.stem.patch;
  return convOut(size, p.kernel, p.stride, p.padding);
}

/** Token grid and width of every stage: `residual` and `conv` reductions halve rows and columns, `none` keeps them. */
export function stageGeometry(arch: VitArch): StageGeometry[] {
  let rows = patchGrid(arch);
  let cols = rows;
  const cls = arch.classToken ? 1 : 0;
  return arch.stages.map((stage, i) => {
    if (i > 0 && halvesGrid(stage.reduction)) {
      rows = Math.floor(rows / 2);
      cols = Math.floor(cols / 2);
    }
    return { rows, cols, tokens: rows * cols + cls, width: stage.width };
  });
}

function countStem(arch: VitArch): Cost {
  let size = arch.input.imageSize;
  let channels = arch.input.channels;
  let macs = 0;
  let params = 0;
  for (const entry of arch.stem.convs) {
    for (const c of convsOf(entry)) {
      size = convOut(size, c.kernel, c.stride, c.padding);
      macs += size * size * c.out * c.kernel * c.kernel * channels;
      // Batch norm replaces the bias with its own gamma and beta.
      params += c.kernel * c.kernel * channels * c.out + (c.norm === "batch" ? 2 * c.out : c.out);
      channels = c.out;
    }
  }
  const p = arch.stem.patch;
  const width = arch.stages[0]!.width;
  const grid = convOut(size, p.kernel, p.stride, p.padding);
  macs += grid * grid * width * p.kernel * p.kernel * channels;
  params += p.kernel * p.kernel * channels * width + width;
  return { macs, params };
}

function countReduction(arch: VitArch, i: number, before: StageGeometry, after: StageGeometry): Cost {
  const cin = before.width;
  const cout = after.width;
  if (halvesGrid(arch.stages[i]!.reduction)) {
    // LayerNorm, 3x3 stride-2 conv on the patch tokens, Linear on the class token; `residual`'s skip path is free,
    // so `conv` (the same path without it) counts the same.
    let macs = after.rows * after.cols * cout * 9 * cin;
    let params = 2 * cin + 9 * cin * cout + cout;
    if (arch.classToken) {
      macs += cin * cout;
      params += cin * cout + cout;
    }
    return { macs, params };
  }
  if (cout === cin) return { macs: 0, params: 0 };
  // LayerNorm, then a token-wise Linear on every token (class token included) beside the zero-padded skip.
  return { macs: before.tokens * cin * cout, params: 2 * cin + cin * cout + cout };
}

/** MACs and parameters of one block of width D on N tokens. */
export function countBlock(
  block: VitArch["stages"][number]["blocks"][number],
  headDim: number,
  geometry: StageGeometry,
): Cost {
  const { tokens: n, width: d } = geometry;
  const a = block.heads * headDim;
  const m = block.mlpHidden;
  const core = attentionCore(block.attention, { tokens: n, width: d, heads: block.heads, headDim });
  // Two LayerNorms and the GELU MLP D -> M -> D with biases.
  let macs = 2 * n * d * m + core.macs;
  let params = 4 * d + d * m + m + m * d + d + core.params;
  if (core.projections) {
    // q, k and v (only q and k where V is K), each D -> A with bias, and the output projection A -> D.
    macs += core.inputProjections * n * d * a + n * a * d;
    params += core.inputProjections * (d * a + a) + a * d + d;
  }
  return { macs, params };
}

export function countArch(arch: VitArch): ArchCount {
  const geometry = stageGeometry(arch);
  const stem = countStem(arch);
  const classToken = arch.classToken ? arch.stages[0]!.width : 0;
  let macs = stem.macs;
  let params = stem.params + classToken;
  const stages: StageCount[] = [];
  for (let i = 0; i < arch.stages.length; i++) {
    const stage = arch.stages[i]!;
    const g = geometry[i]!;
    const reduction = i === 0 ? { macs: 0, params: 0 } : countReduction(arch, i, geometry[i - 1]!, g);
    // Stage 0's embedding covers every token, class token included; a residual (or conv) reduction's new embedding
    // is added to the conv output, so it covers the patch tokens only. A `none` reduction keeps the tokens, adds none.
    let position = 0;
    if (arch.position === "learned") {
      if (i === 0) position = g.tokens * g.width;
      else if (halvesGrid(stage.reduction)) position = g.rows * g.cols * g.width;
    }
    let stageMacs = reduction.macs;
    let stageParams = reduction.params + position;
    const blocks: Cost[] = [];
    for (const block of stage.blocks) {
      const cost = countBlock(block, stage.headDim, g);
      blocks.push(cost);
      stageMacs += cost.macs;
      stageParams += cost.params;
    }
    stages.push({ geometry: g, macs: stageMacs, params: stageParams, reduction, position, blocks });
    macs += stageMacs;
    params += stageParams;
  }
  const last = geometry[geometry.length - 1]!.width;
  const classes = arch.input.classes;
  const head = { macs: last * classes, params: 2 * last + last * classes + classes };
  macs += head.macs;
  params += head.params;
  return { macs, params, stem, classToken, stages, head };
}
