// One architecture's forward pass from stem features to logits, reading weights through a WeightSource: the
// super-network and an extracted standalone model run this same code.
import * as tf from "@tensorflow/tfjs";
import { hasSkip, type StageGeometry, stageGeometry, type VitArch } from "@vitnas/formats";
import { attentionModule } from "./attention";
import { blockLayers, blockPrefix, extraName, projectionNames } from "./block-weights";
import { conv, gelu, layerNorm, linear } from "./layers";
import { ropeTables } from "./position";
import { recomputed, type WeightRead } from "./recompute";
import type { WeightSource } from "./weights";

export interface ForwardOptions {
  training: boolean;
  /** Weight of castling's training-only branch; ignored outside training. */
  castlingBranch: number;
  /**
   * Activation recomputation in training: each block's attention and MLP keep only their inputs for the backward
   * pass and run again inside it (same gradients, less memory, one more forward pass of the blocks). Default: on
   * for stages of at least `RECOMPUTE_TOKENS` tokens, where the activations dominate memory.
   */
  recompute?: boolean;
}

/** From this many tokens on, a stage recomputes its blocks' activations by default (see ForwardOptions). */
export const RECOMPUTE_TOKENS = 256;

/** features [B, H, W, C] (stem output) -> logits [B, classes]. */
export function archForward(arch: VitArch, w: WeightSource, features: tf.Tensor4D, opts: ForwardOptions): tf.Tensor2D {
  const geometry = stageGeometry(arch);
  const b = features.shape[0];
  const cls = arch.classToken ? 1 : 0;
  const first = arch.stages[0]!;
  const g0 = geometry[0]!;
  const { kernel, stride, padding } = arch.stem.patch;
  const cin = features.shape[3];
  const patches = conv(features, w.get("patch.w", [kernel * kernel * cin, first.width]), kernel, stride, padding);
  if (patches.shape[1] !== g0.rows || patches.shape[2] !== g0.cols) {
    throw new Error(
      `stem gives a ${patches.shape[1]}x${patches.shape[2]} grid, the architecture ${g0.rows}x${g0.cols}`,
    );
  }
  let x: tf.Tensor3D = tf.reshape(tf.add(patches, w.get("patch.b", [first.width])), [
    b,
    g0.rows * g0.cols,
    first.width,
  ]);
  if (cls) {
    const token = tf.add(tf.zeros([b, 1, first.width]), tf.reshape(w.get("cls", [first.width]), [1, 1, first.width]));
    x = tf.concat([token, x], 1) as tf.Tensor3D;
  }
  if (arch.position === "learned") x = tf.add(x, w.get("pos.0", [g0.tokens, first.width]));

  arch.stages.forEach((stage, s) => {
    const geo = geometry[s]!;
    if (s > 0) x = reduce(arch, s, w, x, geometry[s - 1]!, geo);
    const rope =
      arch.position === "rope" || arch.position === "rope1d"
        ? ropeTables(geo.rows, geo.cols, !!cls, stage.headDim, arch.position)
        : undefined;
    const recompute = opts.training && (opts.recompute ?? geo.tokens >= RECOMPUTE_TOKENS);
    stage.blocks.forEach((block, j) => {
      const prefix = blockPrefix(s, j);
      const layers = blockLayers(prefix);
      const d = stage.width;
      const module = attentionModule(block.attention);
      const attention = (input: tf.Tensor, src: WeightSource) =>
        module.forward(layerNorm(src, layers.ln1, input, d) as tf.Tensor3D, {
          spec: block.attention,
          w: src,
          prefix,
          batch: b,
          tokens: geo.tokens,
          width: d,
          heads: block.heads,
          headDim: stage.headDim,
          rope,
          training: opts.training,
          castlingBranch: opts.castlingBranch,
          recompute,
        });
      const mlp = (input: tf.Tensor, src: WeightSource) => {
        const hidden = gelu(linear(src, layers.mlp1, layerNorm(src, layers.ln2, input, d), d, block.mlpHidden));
        return linear(src, layers.mlp2, hidden, block.mlpHidden, d);
      };
      if (!recompute) {
        x = tf.add(x, attention(x, w));
        x = tf.add(x, mlp(x, w));
        return;
      }
      const a = block.heads * stage.headDim;
      const attentionReads: WeightRead[] = [...norm(layers.ln1, d)];
      if (module.qkv) {
        const parts = module.qkvParts?.(block.attention) ?? 3;
        const names = projectionNames(prefix);
        attentionReads.push(
          { name: names.qkvW, shape: [d, parts, a] },
          { name: names.qkvB, shape: [parts, a] },
          { name: names.projW, shape: [a, d] },
          { name: names.projB, shape: [d] },
        );
      }
      const dims = { tokens: geo.tokens, width: d, heads: block.heads, headDim: stage.headDim };
      for (const extra of module.extras(block.attention, dims)) {
        attentionReads.push({ name: extraName(prefix, module.type, extra.name), shape: extra.shape });
      }
      x = tf.add(x, recomputed(x, w, attentionReads, attention));
      const mlpReads: WeightRead[] = [
        ...norm(layers.ln2, d),
        ...dense(layers.mlp1, d, block.mlpHidden),
        ...dense(layers.mlp2, block.mlpHidden, d),
      ];
      x = tf.add(x, recomputed(x, w, mlpReads, mlp));
    });
  });

  const last = arch.stages[arch.stages.length - 1]!.width;
  const normed = layerNorm(w, "head.ln", x, last);
  const pooled = cls ? tf.reshape(tf.slice(normed, [0, 0, 0], [b, 1, last]), [b, last]) : tf.mean(normed, 1);
  return linear(w, "head", pooled, last, arch.input.classes) as tf.Tensor2D;
}

/**
 * The reduction entering stage s (docs/model-conventions.md): x [B, N_in, C_in] -> [B, N_out, C_out]. `conv` is
 * `residual`'s main path alone (ViT-ResNAS's ablation without the skip), reading the same weights.
 */
function reduce(arch: VitArch, s: number, w: WeightSource, x: tf.Tensor3D, from: StageGeometry, to: StageGeometry) {
  const stage = arch.stages[s]!;
  const cin = from.width;
  const cout = stage.width;
  const b = x.shape[0];
  const cls = arch.classToken ? 1 : 0;
  if (cout < cin) throw new Error(`stages[${s}].width ${cout} is below the previous stage's ${cin}`);
  const padChannels = (t: tf.Tensor3D) =>
    cout === cin
      ? t
      : tf.pad(t, [
          [0, 0],
          [0, 0],
          [0, cout - cin],
        ]);
  if (stage.reduction === "none") {
    if (cout === cin) return x;
    return tf.add(
      padChannels(x),
      linear(w, `red.${s}.lin`, layerNorm(w, `red.${s}.ln`, x, cin), cin, cout),
    ) as tf.Tensor3D;
  }
  const { rows, cols } = from;
  if (rows % 2 || cols % 2)
    throw new Error(`stages[${s}]: a ${stage.reduction} reduction needs an even grid, not ${rows}x${cols}`);
  const grid = (t: tf.Tensor3D): tf.Tensor4D =>
    tf.reshape(tf.slice(t, [0, cls, 0], [b, rows * cols, cin]), [b, rows, cols, cin]);
  // Main path: LayerNorm, 3x3 stride-2 conv (with bias) on the patches, Linear on the class token.
  const normed = layerNorm(w, `red.${s}.ln`, x, cin) as tf.Tensor3D;
  const kernel = tf.reshape(w.get(`red.${s}.conv.w`, [9, cin, cout]), [9 * cin, cout]);
  const patches = to.rows * to.cols;
  let main: tf.Tensor3D = tf.reshape(conv(grid(normed), kernel, 3, 2, 1), [b, patches, cout]);
  main = tf.add(main, w.get(`red.${s}.conv.b`, [cout]));
  // The stage's new positions go to the patch tokens only (docs/model-conventions.md).
  if (arch.position === "learned") main = tf.add(main, w.get(`pos.${s}`, [patches, cout]));
  if (cls) {
    const token = linear(w, `red.${s}.cls`, tf.slice(normed, [0, 0, 0], [b, 1, cin]), cin, cout) as tf.Tensor3D;
    main = tf.concat([token, main], 1);
  }
  if (!hasSkip(stage.reduction)) return main;
  // Skip path, from before the LayerNorm: 2x2 average pooling of the patches, the class token as it is.
  const pooled = tf.mean(tf.reshape(grid(x), [b, rows / 2, 2, cols / 2, 2, cin]), [2, 4]);
  let skip: tf.Tensor3D = tf.reshape(pooled, [b, to.rows * to.cols, cin]);
  if (cls) skip = tf.concat([tf.slice(x, [0, 0, 0], [b, 1, cin]), skip], 1);
  return tf.add(main, padChannels(skip)) as tf.Tensor3D;
}

const norm = (name: string, dim: number): WeightRead[] => [
  { name: `${name}.g`, shape: [dim] },
  { name: `${name}.b`, shape: [dim] },
];

const dense = (name: string, inDim: number, outDim: number): WeightRead[] => [
  { name: `${name}.w`, shape: [inDim, outDim] },
  { name: `${name}.b`, shape: [outDim] },
];
