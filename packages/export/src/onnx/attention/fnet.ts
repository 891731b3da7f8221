// FNet (packages/supernet/src/attention/fnet.ts): Re(F_N X F_D) / sqrt(N D) = C_N (X C_D) - S_N (X S_D), as two
// matmuls with constant DFT matrices: X [C_D | S_D] over the channels, then [C_N | -S_N] over the stacked tokens.
import type { FNetAttn } from "@vitnas/formats";
import { reshape, transpose } from "../layers";
import type { AttentionExport } from "./types";

export const fnet: AttentionExport<FNetAttn> = (x, { g, tokens: n, width: d }) => {
  const channels = g.floats(`dft.channels.${d}`, dft(d, 1, 1 / Math.sqrt(d)), [d, 2 * d]);
  const tokens = g.floats(`dft.tokens.${n}`, dft(n, -1, 1 / Math.sqrt(n)), [n, 2 * n]);
  const xcs = g.op("MatMul", [x, channels]); // [B, N, 2D]: X C_D | X S_D
  const stacked = reshape(g, transpose(g, reshape(g, xcs, [0, n, 2, d]), [0, 2, 1, 3]), [0, 2 * n, d]);
  return g.op("MatMul", [tokens, stacked], {}, "fnet"); // [B, N, D]
};

/** [C | sinSign * S] of shape [n, 2n], scaled: the same numbers as the model's (fnet.ts, dft). */
export function dft(n: number, sinSign: number, scale: number): Float32Array {
  const out = new Float32Array(n * 2 * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const angle = (2 * Math.PI * ((i * j) % n)) / n;
      out[i * 2 * n + j] = Math.cos(angle) * scale;
      out[i * 2 * n + n + j] = sinSign * Math.sin(angle) * scale;
    }
  }
  return out;
}
