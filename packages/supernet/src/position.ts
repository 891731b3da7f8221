// Rotary positions (2-D, axial) for q and k. Choice: the class token sits at (0, 0), so it is not rotated; the
// patch at grid (r, c) sits at (r + 1, c + 1). Of the floor(d/2) rotated channel pairs (i, i + floor(d/2)), the
// first ceil(p/2) turn with the row and the rest with the column, pair j of an axis with p_a pairs at frequency
// 10000^(-j / p_a).
import * as tf from "@tensorflow/tfjs";
import { cachedConstant } from "./attention/constants";

export function ropeTables(rows: number, cols: number, classToken: boolean, headDim: number) {
  const p = Math.floor(headDim / 2);
  const key = `rope:${rows}:${cols}:${classToken}:${headDim}`;
  const build = (fn: (a: number) => number) => () => {
    const n = rows * cols + (classToken ? 1 : 0);
    const out = new Float32Array(n * p);
    const rowPairs = Math.ceil(p / 2);
    const colPairs = p - rowPairs;
    for (let t = 0; t < n; t++) {
      const patch = classToken ? t - 1 : t;
      const r = patch < 0 ? 0 : Math.floor(patch / cols) + 1;
      const c = patch < 0 ? 0 : (patch % cols) + 1;
      for (let i = 0; i < p; i++) {
        const angle =
          i < rowPairs ? r * 10000 ** (-i / rowPairs) : c * 10000 ** (-(i - rowPairs) / Math.max(1, colPairs));
        out[t * p + i] = fn(angle);
      }
    }
    return tf.tensor2d(out, [n, p]);
  };
  return { cos: cachedConstant(`${key}:cos`, build(Math.cos)), sin: cachedConstant(`${key}:sin`, build(Math.sin)) };
}
