// Small random architectures and models for the exporter's tests: every weight perturbed away from its
// initialisation (zero biases, unit norms, unit variances), so a dropped bias or a wrong layout changes the logits.
import * as tf from "@tensorflow/tfjs";
import { type AttentionSpec, type StemSpec, spaceOfArch, type VitArch, validateArch } from "@vitnas/formats";
import { extract, StandaloneModel, Supernet } from "@vitnas/supernet";

export const ATTENTION: AttentionSpec[] = [
  { type: "softmax" },
  { type: "performer", features: 8 },
  { type: "linformer", k: 4, shareKV: true },
  { type: "nystrom", landmarks: 4, iterations: 6, convKernel: 3 },
  { type: "fnet" },
  { type: "mixer", expansion: 0.5 },
  { type: "castling", convKernel: 3 },
  { type: "xnorm" },
];

/** A stem conv with batch norm and ReLU, patch 2: 8 px images become a 4x4 grid. */
const PLAIN_STEM: StemSpec = {
  convs: [{ out: 8, kernel: 3, stride: 1, padding: 1, norm: "batch", act: "relu" }],
  patch: { kernel: 2, stride: 2, padding: 0 },
};

/** A residual group (a conv with a bias and GELU, a batch-normed conv), a strided conv, patch 1: a 4x4 grid. */
const RESIDUAL_STEM: StemSpec = {
  convs: [
    {
      residual: [
        { out: 3, kernel: 3, stride: 1, padding: 1, norm: "none", act: "gelu" },
        { out: 3, kernel: 3, stride: 1, padding: 1, norm: "batch", act: "none" },
      ],
    },
    { out: 8, kernel: 3, stride: 2, padding: 1, norm: "batch", act: "gelu" },
  ],
  patch: { kernel: 1, stride: 1, padding: 0 },
};

export interface ArchOptions {
  /** `residual`: a class token, learned positions, a residual reduction (4x4 -> 2x2), the plain stem.
   *  `none`: mean pooling, rotary positions, a widening and a same-width `none` reduction, the residual stem. */
  reduction: "residual" | "none";
  /** Attention per block: one spec for all, or one per block in order. */
  attention: AttentionSpec | AttentionSpec[];
  /** Overrides of the reduction's defaults above. */
  position?: VitArch["position"];
  classToken?: boolean;
  stem?: StemSpec;
}

export function testArch({ reduction, attention, ...overrides }: ArchOptions): VitArch {
  const specs = Array.isArray(attention) ? attention : undefined;
  let next = 0;
  const at = () => (specs ? specs[next++ % specs.length]! : (attention as AttentionSpec));
  const blocks = (heads: number[], mlpHidden: number) => heads.map((h) => ({ heads: h, mlpHidden, attention: at() }));
  const residual = reduction === "residual";
  const count = specs ? Math.ceil(specs.length / (residual ? 2 : 3)) : 1;
  const input = {
    format: "vit-arch/v1",
    input: { imageSize: 8, channels: 3, classes: 5 },
    stem: overrides.stem ?? (residual ? PLAIN_STEM : RESIDUAL_STEM),
    position: overrides.position ?? (residual ? "learned" : "rope"),
    classToken: overrides.classToken ?? residual,
    stages: residual
      ? [
          { width: 16, headDim: 8, reduction: "none", blocks: blocks(Array(count).fill(2), 32) },
          { width: 24, headDim: 8, reduction: "residual", blocks: blocks(Array(count).fill(3), 48) },
        ]
      : [
          { width: 16, headDim: 8, reduction: "none", blocks: blocks(Array(count).fill(2), 32) },
          { width: 24, headDim: 8, reduction: "none", blocks: blocks(Array(count).fill(2), 40) },
          { width: 24, headDim: 8, reduction: "none", blocks: blocks(Array(count).fill(3), 24) },
        ],
  };
  const valid = validateArch(input);
  if (!valid.ok) throw new Error(`test architecture is invalid: ${JSON.stringify(valid.errors)}`);
  return valid.value;
}

/** A standalone model of `arch` with random weights (seeded): extracted from a super-network, then perturbed. */
export function randomModel(arch: VitArch, seed: number): StandaloneModel {
  const net = Supernet.create(spaceOfArch(arch), { seed });
  const extracted = extract(net, arch);
  net.dispose();
  const tensors = new Map<string, tf.Tensor>();
  extracted.tensors.forEach((t, name) => {
    tensors.set(
      name,
      tf.tidy(() => {
        const noise = tf.randomUniform(t.shape, -0.2, 0.2, "float32", seed + tensors.size);
        // Running variances stay positive; everything else moves by up to 0.2.
        return name.endsWith(".bn.var") ? tf.add(tf.abs(t), tf.add(tf.abs(noise), 0.3)) : tf.add(t, noise);
      }),
    );
  });
  const model = new StandaloneModel(arch, tensors, new Set(extracted.trainable));
  extracted.dispose();
  return model;
}

/** Random images, NHWC (the tfjs model's layout) and the same pixels NCHW. */
export function randomImages(batch: number, arch: VitArch, seed: number) {
  const { imageSize: s, channels: c } = arch.input;
  const nhwc = tf.tidy(() => tf.randomNormal([batch, s, s, c], 0, 1, "float32", seed)) as tf.Tensor4D;
  const nchw = tf.tidy(() => tf.transpose(nhwc, [0, 3, 1, 2])) as tf.Tensor4D;
  return { nhwc, nchw };
}
