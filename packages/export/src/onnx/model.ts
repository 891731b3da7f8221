// One vit-arch/v1 with its weights as an ONNX graph: the inference forward pass of packages/supernet/src/model.ts
// (stem, patch tokens, class token, positions, reductions, pre-norm blocks, head), node for node where the operator
// exists. Input `images` [batch, C, S, S] (NCHW) or [batch, S, S, C] (NHWC), normalised as in training; output
// `logits` [batch, classes]; the batch size is chosen at run time.
import { hasSkip, type StageGeometry, stageGeometry, type VitArch } from "@vitnas/formats";
import type { WeightTable } from "../weights";
import { attentionExport } from "./attention";
import { Graph, int, ints } from "./graph";
import { type Ctx, gelu, layerNorm, linear, padChannels, reshape, slice, transpose } from "./layers";
import { ropeTables } from "./position";
import { type BatchNormExport, patchEmbed, stem } from "./stem";

export type InputLayout = "NCHW" | "NHWC";

export interface GraphOptions {
  layout: InputLayout;
  batchNorm: BatchNormExport;
}

export const INPUT_NAME = "images";
export const OUTPUT_NAME = "logits";

/** Builds the graph; its input is named INPUT_NAME and its output OUTPUT_NAME. */
export function buildGraph(arch: VitArch, weights: WeightTable, opts: GraphOptions): Graph {
  const g = new Graph();
  g.name(INPUT_NAME); // reserved: no node output may take the input's name
  const ctx: Ctx = { g, w: weights };
  const geometry = stageGeometry(arch);
  const cls = arch.classToken ? 1 : 0;
  const first = arch.stages[0]!;
  const g0 = geometry[0]!;

  const images = opts.layout === "NHWC" ? transpose(g, INPUT_NAME, [0, 3, 1, 2]) : INPUT_NAME;
  const { features, channels } = stem(ctx, images, arch.stem, arch.input.channels, opts.batchNorm);
  // [B, D, G, G] -> [B, G*G, D]: token r*G + c, the model's row-major order.
  const grid = patchEmbed(ctx, features, arch.stem, channels, first.width);
  let x = transpose(g, reshape(g, grid, [0, first.width, g0.rows * g0.cols]), [0, 2, 1]);
  if (cls) {
    const token = g.floats("cls", weights.get("cls", [first.width]), [1, 1, first.width]);
    // The class token repeated over the batch: Expand to [B, 1, D] with B read from the input.
    const batch = g.op("Shape", [x], { start: int(0), end: int(1) });
    const shape = g.op("Concat", [batch, g.int64([1, first.width])], { axis: int(0) });
    x = g.op("Concat", [g.op("Expand", [token, shape]), x], { axis: int(1) }, "tokens");
  }
  if (arch.position === "learned") {
    x = g.op("Add", [x, g.floats("pos.0", weights.get("pos.0", [g0.tokens, first.width]), [g0.tokens, first.width])]);
  }

  arch.stages.forEach((stageSpec, s) => {
    const geo = geometry[s]!;
    if (s > 0) x = reduce(ctx, arch, s, x, geometry[s - 1]!, geo);
    // Rotary tables, written once per stage and only when a block of it has q and k (fnet and mixer have none).
    let tables: { cos: string; sin: string } | undefined;
    const position = arch.position;
    const rope = () => {
      if (position !== "rope" && position !== "rope1d") throw new Error(`${position} positions have no tables`);
      const t = ropeTables(geo.rows, geo.cols, !!cls, stageSpec.headDim, position);
      tables ??= { cos: g.floats(`rope.${s}.cos`, t.cos, t.dims), sin: g.floats(`rope.${s}.sin`, t.sin, t.dims) };
      return tables;
    };
    stageSpec.blocks.forEach((block, j) => {
      const prefix = `s${s}.b${j}`;
      const d = stageSpec.width;
      const attention = attentionExport(block.attention)(layerNorm(ctx, `${prefix}.ln1`, x, d), {
        ...ctx,
        spec: block.attention,
        prefix,
        tokens: geo.tokens,
        width: d,
        heads: block.heads,
        headDim: stageSpec.headDim,
        ...(arch.position === "rope" || arch.position === "rope1d" ? { rope } : {}),
      });
      x = g.op("Add", [x, attention], {}, "residual");
      const hidden = gelu(g, linear(ctx, `${prefix}.mlp1`, layerNorm(ctx, `${prefix}.ln2`, x, d), d, block.mlpHidden));
      x = g.op("Add", [x, linear(ctx, `${prefix}.mlp2`, hidden, block.mlpHidden, d)], {}, "residual");
    });
  });

  const last = arch.stages[arch.stages.length - 1]!.width;
  const normed = layerNorm(ctx, "head.ln", x, last);
  const pooled = cls
    ? g.op("Gather", [normed, g.int64([0], [])], { axis: int(1) }, "pooled")
    : g.op("ReduceMean", [normed], { axes: ints([1]), keepdims: int(0) }, "pooled");
  const logits = linear(ctx, "head", pooled, last, arch.input.classes);
  const output = g.op("Identity", [logits], {}, OUTPUT_NAME);
  if (output !== OUTPUT_NAME) throw new Error(`the graph's output is named ${output}, not ${OUTPUT_NAME}`);
  return g;
}

/**
 * The reduction entering stage s (docs/model-conventions.md): x [B, N_in, C_in] -> [B, N_out, C_out]. `conv` is
 * `residual`'s main path alone, without the pooled skip.
 */
function reduce(ctx: Ctx, arch: VitArch, s: number, x: string, from: StageGeometry, to: StageGeometry): string {
  const { g, w } = ctx;
  const stageSpec = arch.stages[s]!;
  const cin = from.width;
  const cout = stageSpec.width;
  const cls = arch.classToken ? 1 : 0;
  if (stageSpec.reduction === "none") {
    if (cout === cin) return x;
    const lin = linear(ctx, `red.${s}.lin`, layerNorm(ctx, `red.${s}.ln`, x, cin), cin, cout);
    return g.op("Add", [padChannels(g, x, cin, cout), lin]);
  }
  const { rows, cols } = from;
  const patches = (t: string) => (cls ? slice(g, t, 1, cls, cls + rows * cols) : t);
  // Main path: LayerNorm, 3x3 stride-2 conv with bias on the patch grid, Linear on the class token.
  const normed = layerNorm(ctx, `red.${s}.ln`, x, cin);
  const image = transpose(g, reshape(g, patches(normed), [0, rows, cols, cin]), [0, 3, 1, 2]);
  const kernel = w.get(`red.${s}.conv.w`, [9, cin, cout]);
  const weight = new Float32Array(kernel.length);
  // [9, C_in, C_out] with tap ky*3 + kx -> [C_out, C_in, 3, 3].
  for (let t = 0; t < 9; t++)
    for (let c = 0; c < cin; c++)
      for (let o = 0; o < cout; o++) weight[(o * cin + c) * 9 + t] = kernel[(t * cin + c) * cout + o]!;
  const conv = g.op(
    "Conv",
    [
      image,
      g.floats(`red.${s}.conv.w`, weight, [cout, cin, 3, 3]),
      g.floats(`red.${s}.conv.b`, w.get(`red.${s}.conv.b`, [cout]), [cout]),
    ],
    { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) },
    "reduce",
  );
  const count = to.rows * to.cols;
  let main = transpose(g, reshape(g, conv, [0, cout, count]), [0, 2, 1]);
  // The stage's new positions go to the patch tokens only.
  if (arch.position === "learned") {
    main = g.op("Add", [main, g.floats(`pos.${s}`, w.get(`pos.${s}`, [count, cout]), [count, cout])]);
  }
  if (cls) {
    const token = linear(ctx, `red.${s}.cls`, slice(g, normed, 1, 0, 1), cin, cout);
    main = g.op("Concat", [token, main], { axis: int(1) });
  }
  if (!hasSkip(stageSpec.reduction)) return main;
  // Skip path, from before the LayerNorm: 2x2 average pooling of the patches, the class token as it is.
  const pooled = g.op("ReduceMean", [reshape(g, patches(x), [0, rows / 2, 2, cols / 2, 2, cin])], {
    axes: ints([2, 4]),
    keepdims: int(0),
  });
  let skip = reshape(g, pooled, [0, to.rows * to.cols, cin]);
  if (cls) skip = g.op("Concat", [slice(g, x, 1, 0, 1), skip], { axis: int(1) });
  return g.op("Add", [main, padChannels(g, skip, cin, cout)], {}, "reduced");
}
