// MLP-Mixer token mixing (packages/supernet/src/attention/mixer.ts): a GELU MLP N -> h -> N over the tokens of
// every channel, h = max(1, floor(e N)).
import { type MixerAttn, mixerHidden } from "@vitnas/formats";
import { affine, gelu, transpose } from "../layers";
import type { AttentionExport } from "./types";

export const mixer: AttentionExport<MixerAttn> = (x, { g, w, prefix, tokens: n, spec }) => {
  const h = mixerHidden(spec.expansion, n);
  const name = `${prefix}.mixer`;
  const t = transpose(g, x, [0, 2, 1]); // [B, D, N]
  const hidden = gelu(g, affine(g, t, w.get(`${name}.w1`, [n, h]), [n, h], w.get(`${name}.b1`, [h]), `${name}.1`));
  const y = affine(g, hidden, w.get(`${name}.w2`, [h, n]), [h, n], w.get(`${name}.b2`, [n]), `${name}.2`);
  return transpose(g, y, [0, 2, 1]);
};
