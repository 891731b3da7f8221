// The conv stem and the patch embedding (packages/supernet/src/stem.ts, model.ts) as ONNX convolutions on NCHW.
// Batch norm uses the running statistics (inference), folded into the conv's weight and bias by default
// (w' = w g / sqrt(var + 1e-5), b' = beta - mean g / sqrt(var + 1e-5)) or kept as a BatchNormalization node.
import type { StemConvSpec, StemSpec } from "@vitnas/formats";
import { float, ints } from "./graph";
import { type Ctx, convWeight, gelu } from "./layers";

export type BatchNormExport = "fold" | "node";

/** Batch-norm epsilon of the model's stem (stem.ts). */
const BN_EPSILON = 1e-5;

/** Each stem conv with its weight-name prefix and residual group, in order (the model's stemConvs). */
function stemConvs(stem: StemSpec): { name: string; spec: StemConvSpec; group?: number }[] {
  return stem.convs.flatMap((entry, i) =>
    "residual" in entry
      ? entry.residual.map((spec, j) => ({ name: `stem.${i}.${j}`, spec, group: i }))
      : [{ name: `stem.${i}`, spec: entry }],
  );
}

/** images [B, C, H, W] -> stem features [B, C', H', W']; returns them and C'. */
export function stem(ctx: Ctx, images: string, stemSpec: StemSpec, channels: number, batchNorm: BatchNormExport) {
  const { g, w } = ctx;
  let x = images;
  let c = channels;
  let groupInput: string | undefined;
  let group: number | undefined;
  const convs = stemConvs(stemSpec);
  convs.forEach(({ name, spec, group: gi }, i) => {
    if (gi !== undefined && gi !== group) groupInput = x;
    group = gi;
    const k = spec.kernel;
    let weight = convWeight(w.get(`${name}.w`, [k * k * c, spec.out]), k, c, spec.out);
    let bias: Float32Array;
    let norm: string[] | undefined;
    if (spec.norm === "batch") {
      const gamma = w.get(`${name}.bn.g`, [spec.out]);
      const beta = w.get(`${name}.bn.b`, [spec.out]);
      const mean = w.get(`${name}.bn.mean`, [spec.out]);
      const variance = w.get(`${name}.bn.var`, [spec.out]);
      if (batchNorm === "fold") {
        ({ weight, bias } = foldBatchNorm(weight, gamma, beta, mean, variance));
      } else {
        bias = new Float32Array(spec.out);
        norm = [gamma, beta, mean, variance].map((v, j) => g.floats(`${name}.bn.${"gbmv"[j]}`, v, [spec.out]));
      }
    } else {
      bias = w.get(`${name}.b`, [spec.out]);
    }
    const attrs = {
      kernel_shape: ints([k, k]),
      strides: ints([spec.stride, spec.stride]),
      pads: ints(Array(4).fill(spec.padding)),
    };
    const inputs = [x, g.floats(`${name}.w`, weight, [spec.out, c, k, k])];
    // Without a norm the conv has a bias; before a BatchNormalization node it has none (the model's conv has none).
    if (!norm) inputs.push(g.floats(`${name}.b`, bias, [spec.out]));
    let y = g.op("Conv", inputs, attrs, "stem");
    if (norm) y = g.op("BatchNormalization", [y, ...norm], { epsilon: float(BN_EPSILON) }, "bn");
    y = spec.act === "relu" ? g.op("Relu", [y]) : spec.act === "gelu" ? gelu(g, y) : y;
    // A residual group's input is added after the last conv's activation.
    if (gi !== undefined && convs[i + 1]?.group !== gi && groupInput) y = g.op("Add", [y, groupInput]);
    x = y;
    c = spec.out;
  });
  return { features: x, channels: c };
}

/** The patch conv C -> D with a bias: [B, C, H, W] -> [B, D, G, G]. */
export function patchEmbed(ctx: Ctx, x: string, stemSpec: StemSpec, cin: number, width: number): string {
  const { kernel: k, stride, padding } = stemSpec.patch;
  const { g, w } = ctx;
  const weight = convWeight(w.get("patch.w", [k * k * cin, width]), k, cin, width);
  const inputs = [
    x,
    g.floats("patch.w", weight, [width, cin, k, k]),
    g.floats("patch.b", w.get("patch.b", [width]), [width]),
  ];
  return g.op(
    "Conv",
    inputs,
    { kernel_shape: ints([k, k]), strides: ints([stride, stride]), pads: ints(Array(4).fill(padding)) },
    "patches",
  );
}

/** Folds inference batch norm into the preceding conv (weights [C_out, ...], computed in double precision). */
export function foldBatchNorm(
  weight: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
): { weight: Float32Array; bias: Float32Array } {
  const out = gamma.length;
  const per = weight.length / out;
  const folded = new Float32Array(weight.length);
  const bias = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    const scale = gamma[o]! / Math.sqrt(variance[o]! + BN_EPSILON);
    for (let i = 0; i < per; i++) folded[o * per + i] = weight[o * per + i]! * scale;
    bias[o] = beta[o]! - mean[o]! * scale;
  }
  return { weight: folded, bias };
}
