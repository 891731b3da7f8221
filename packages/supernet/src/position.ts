// Rotary positions for q and k (docs/model-conventions.md, "Positions").
// - `rope` (2-D, axial): the class token sits at (0, 0), so it is not rotated; the patch at grid (r, c) sits at
//   (r + 1, c + 1). Of the floor(d/2) rotated channel pairs (i, i + floor(d/2)), the first ceil(p/2) turn with the
//   row and the rest with the column, pair j of an axis with p_a pairs at frequency 10000^(-j / p_a).
// - `rope1d` (Vision X-formers, docs/seed-settings.md): token t of the sequence (the class token first when there is
//   one, then the patches row by row) sits at t, so the first token is not rotated. Every pair j of the p turns
//   with it, at frequency 10000^(-j / p) (RoFormer's).
import * as tf from "@tensorflow/tfjs";
import type { PositionKind } from "@vitnas/formats";
import { cachedConstant } from "./attention/constants";

/** The rotation angle of channel pair i of token t: the one formula the model and the exporter share. */
export function ropeAngles(
  kind: Extract<PositionKind, "rope" | "rope1d">,
  rows: number,
  cols: number,
  classToken: boolean,
  headDim: number,
): { angles: Float64Array; dims: [number, number] } {
  const p = Math.floor(headDim / 2);
  const n = rows * cols + (classToken ? 1 : 0);
  const angles = new Float64Array(n * p);
  const rowPairs = Math.ceil(p / 2);
  const colPairs = p - rowPairs;
  for (let t = 0; t < n; t++) {
    const patch = classToken ? t - 1 : t;
    const r = patch < 0 ? 0 : Math.floor(patch / cols) + 1;
    const c = patch < 0 ? 0 : (patch % cols) + 1;
    for (let i = 0; i < p; i++) {
      angles[t * p + i] =
        kind === "rope1d"
          ? t * 10000 ** (-i / p)
          : i < rowPairs
            ? r * 10000 ** (-i / rowPairs)
            : c * 10000 ** (-(i - rowPairs) / Math.max(1, colPairs));
    }
  }
  return { angles, dims: [n, p] };
}

export function ropeTables(
  rows: number,
  cols: number,
  classToken: boolean,
  headDim: number,
  kind: Extract<PositionKind, "rope" | "rope1d"> = "rope",
) {
  const key = `${kind}:${rows}:${cols}:${classToken}:${headDim}`;
  const build = (fn: (a: number) => number) => () => {
    const { angles, dims } = ropeAngles(kind, rows, cols, classToken, headDim);
    return tf.tensor2d(Float32Array.from(angles, fn), dims);
  };
  return { cos: cachedConstant(`${key}:cos`, build(Math.cos)), sin: cachedConstant(`${key}:sin`, build(Math.sin)) };
}
