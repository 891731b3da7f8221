// MLP-Mixer token mixing: a GELU MLP N -> h -> N over the tokens, h = max(1, floor(e*N)). No q/k/v.
// x [B, N, D] -> [B*D, N] -> [B*D, h] -> [B*D, N] -> [B, N, D]. Core MACs 2*N*h*D.
// Weights sized for the stage's largest N and h; a sub-network uses the leading N tokens and h hidden units. They
// are token-indexed: with tokenWeights "per-grid" each token grid of the stage has its own copy (space.ts).
import * as tf from "@tensorflow/tfjs";
import { type MixerAttn, mixerHidden } from "@vitnas/formats";
import { affine, gelu } from "../layers";
import type { AttentionModule } from "./types";

export const mixer: AttentionModule<MixerAttn> = {
  type: "mixer",
  qkv: false,
  extras: (spec, dims) => {
    const h = mixerHidden(spec.expansion, dims.tokens);
    return [
      {
        name: "w1",
        shape: [dims.tokens, h],
        init: { kind: "dense", fanIn: [0] },
        trainable: true,
        decay: true,
        tokenIndexed: true,
      },
      { name: "b1", shape: [h], init: { kind: "dense-bias", fanIn: dims.tokens }, trainable: true, tokenIndexed: true },
      {
        name: "w2",
        shape: [h, dims.tokens],
        init: { kind: "dense", fanIn: [0] },
        trainable: true,
        decay: true,
        tokenIndexed: true,
      },
      { name: "b2", shape: [dims.tokens], init: { kind: "dense-bias", fanIn: h }, trainable: true, tokenIndexed: true },
    ];
  },
  forward(x, ctx) {
    const { batch: b, tokens: n, width: d, spec, prefix, w } = ctx;
    const h = mixerHidden(spec.expansion, n);
    const t = tf.reshape(tf.transpose(x, [0, 2, 1]), [b * d, n]);
    const hidden = gelu(affine(t, w.get(`${prefix}.mixer.w1`, [n, h]), w.get(`${prefix}.mixer.b1`, [h])));
    const y = affine(hidden, w.get(`${prefix}.mixer.w2`, [h, n]), w.get(`${prefix}.mixer.b2`, [n]));
    return tf.transpose(tf.reshape(y, [b, d, n]), [0, 2, 1]) as tf.Tensor3D;
  },
};
