// Rotary position tables, the model's own numbers: the angles come from packages/supernet/src/position.ts (2-D
// `rope`: the class token at (0, 0), the patch at grid (r, c) at (r + 1, c + 1), the first ceil(p/2) channel pairs
// turned by the row and the rest by the column; 1-D `rope1d`: token t of the sequence at t, every pair turned by it),
// cos and sin taken in float64 and stored as float32 as the model's tables are.
import type { PositionKind } from "@vitnas/formats";
import { ropeAngles } from "@vitnas/supernet";

export function ropeTables(
  rows: number,
  cols: number,
  classToken: boolean,
  headDim: number,
  kind: Extract<PositionKind, "rope" | "rope1d"> = "rope",
) {
  const { angles, dims } = ropeAngles(kind, rows, cols, classToken, headDim);
  return { cos: Float32Array.from(angles, Math.cos), sin: Float32Array.from(angles, Math.sin), dims };
}
