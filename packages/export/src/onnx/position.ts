// Rotary position tables, the same numbers as the model's (packages/supernet/src/position.ts; README "Positions"):
// the class token at (0, 0), the patch at grid (r, c) at (r + 1, c + 1); of the floor(d/2) channel pairs the first
// ceil(p/2) turn with the row, the rest with the column, pair j of an axis with p_a pairs at 10000^(-j / p_a).
export function ropeTables(rows: number, cols: number, classToken: boolean, headDim: number) {
  const p = Math.floor(headDim / 2);
  const n = rows * cols + (classToken ? 1 : 0);
  const cos = new Float32Array(n * p);
  const sin = new Float32Array(n * p);
  const rowPairs = Math.ceil(p / 2);
  const colPairs = p - rowPairs;
  for (let t = 0; t < n; t++) {
    const patch = classToken ? t - 1 : t;
    const r = patch < 0 ? 0 : Math.floor(patch / cols) + 1;
    const c = patch < 0 ? 0 : (patch % cols) + 1;
    for (let i = 0; i < p; i++) {
      const angle =
        i < rowPairs ? r * 10000 ** (-i / rowPairs) : c * 10000 ** (-(i - rowPairs) / Math.max(1, colPairs));
      cos[t * p + i] = Math.cos(angle);
      sin[t * p + i] = Math.sin(angle);
    }
  }
  return { cos, sin, dims: [n, p] };
}
