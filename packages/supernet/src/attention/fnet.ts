// FNet: the real part of the 2-D DFT over tokens x channels, as matmuls with fixed cos/sin matrices
//   Re(F_N X F_D) = C_N (X C_D) - S_N (X S_D),
// scaled by 1/sqrt(N*D) (the unitary DFT) so the output keeps the input's scale. No q/k/v, no projection, no
// weights. x [B, N, D] -> X[C_D | S_D] [B, N, 2D] -> [C_N | -S_N] over the tokens -> [B, N, D].
// Core MACs 2*N*N*D + 2*N*D*D.
import * as tf from "@tensorflow/tfjs";
import type { FNetAttn } from "@vitnas/formats";
import { matMul } from "../layers";
import { cachedConstant } from "./constants";
import type { AttentionModule } from "./types";

export const fnet: AttentionModule<FNetAttn> = {
  type: "fnet",
  qkv: false,
  extras: () => [],
  forward(x, ctx) {
    const { batch: b, tokens: n, width: d } = ctx;
    const channelDft = cachedConstant(`dft-channels:${d}`, () => dft(d, 1, 1 / Math.sqrt(d)));
    const tokenDft = cachedConstant(`dft-tokens:${n}`, () => dft(n, -1, 1 / Math.sqrt(n)));
    const xcs = matMul(tf.reshape(x, [b * n, d]), channelDft); // [B*N, 2D]: X C_D | X S_D
    const stacked = tf.reshape(tf.transpose(tf.reshape(xcs, [b, n, 2, d]), [2, 1, 0, 3]), [2 * n, b * d]);
    const y = matMul(tokenDft, stacked); // [N, B*D]
    return tf.transpose(tf.reshape(y, [n, b, d]), [1, 0, 2]) as tf.Tensor3D;
  },
};

/**
 * Channels (sinSign 1): [C | S] of shape [n, 2n]. Tokens (sinSign -1): [C | -S] of shape [n, 2n], applied on the
 * left to the stacked [X C_D ; X S_D].
 */
function dft(n: number, sinSign: number, scale: number): tf.Tensor {
  const out = new Float32Array(n * 2 * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const angle = (2 * Math.PI * ((i * j) % n)) / n;
      out[i * 2 * n + j] = Math.cos(angle) * scale;
      out[i * 2 * n + n + j] = sinSign * Math.sin(angle) * scale;
    }
  }
  return tf.tensor2d(out, [n, 2 * n]);
}
