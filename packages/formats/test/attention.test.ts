// Each attention type's formula against its matrix products listed one by one on a small case.
import { describe, expect, it } from "vitest";
import { ATTENTION_COSTS, ATTENTION_TYPES, type AttentionSpec, completeAttention, countBlock } from "../src";

/** MACs of an (a x b) times (b x c) product. */
const mm = (a: number, b: number, c: number) => a * b * c;
const shape = { tokens: 9, width: 12, heads: 3, headDim: 4 };
const { tokens: n, width: dModel, heads: h, headDim: d } = shape;
const perHead = (macs: number) => h * macs;

const cases: { spec: AttentionSpec; macs: number; params: number }[] = [
  { spec: { type: "softmax" }, macs: perHead(mm(n, d, n) + mm(n, n, d)), params: 0 },
  {
    spec: { type: "performer", features: 5 },
    // phi(Q), phi(K): project on the features; K'^T V; Q' (K'^T V); K'^T 1; Q' (K'^T 1).
    macs: perHead(mm(n, d, 5) * 2 + mm(5, n, d) + mm(n, 5, d) + mm(5, n, 1) + mm(n, 5, 1)),
    params: 0,
  },
  {
    spec: { type: "linformer", k: 3, shareKV: true },
    // E K, E V, Q (EK)^T, P (EV).
    macs: perHead(mm(3, n, d) * 2 + mm(n, d, 3) + mm(n, 3, d)),
    params: 3 * n,
  },
  { spec: { type: "linformer", k: 3, shareKV: false }, macs: perHead(mm(3, n, d) * 4), params: 2 * 3 * n },
  {
    spec: { type: "nystrom", landmarks: 4, iterations: 2, convKernel: 3 },
    // Q K~^T, Q~ K^T, (Q~ K^T) V, (kernel1 pinv) times that, Q~ K~^T, kernel1 times pinv, T iterations of four
    // m x m products, conv on V.
    macs: perHead(
      mm(n, d, 4) +
        mm(4, d, n) +
        mm(4, n, d) +
        mm(n, 4, d) +
        mm(4, d, 4) +
        mm(n, 4, 4) +
        2 * 4 * mm(4, 4, 4) +
        n * 3 * d,
    ),
    params: h * 3,
  },
  {
    // More landmarks than tokens: m' = N.
    spec: { type: "nystrom", landmarks: 64, iterations: 1, convKernel: 1 },
    macs: perHead(mm(n, d, n) * 4 + mm(n, d, n) + mm(n, n, n) + 4 * mm(n, n, n) + n * d),
    params: h,
  },
  // C_N X, S_N X, then times C_D and S_D.
  { spec: { type: "fnet" }, macs: 2 * mm(n, n, dModel) + 2 * mm(n, dModel, dModel), params: 0 },
  {
    // floor(0.5 * 9) = 4 hidden units: N -> 4 -> N on each of the D channels.
    spec: { type: "mixer", expansion: 0.5 },
    macs: mm(dModel, n, 4) + mm(dModel, 4, n),
    params: n * 4 + 4 + 4 * n + n,
  },
  { spec: { type: "mixer", expansion: 0.01 }, macs: mm(dModel, n, 1) * 2, params: 2 * n + 1 + n },
  {
    spec: { type: "castling", convKernel: 5 },
    macs: perHead(mm(d, n, d) + mm(n, d, d) + n * 5 * d),
    params: h * 5,
  },
  { spec: { type: "xnorm" }, macs: perHead(mm(d, n, d) + mm(n, d, d)), params: 2 * h },
];

describe("attention cores", () => {
  it("cover every attention type", () => {
    expect(Object.keys(ATTENTION_COSTS).sort()).toEqual([...ATTENTION_TYPES].sort());
    expect(new Set(cases.map((c) => c.spec.type))).toEqual(new Set(ATTENTION_TYPES));
  });

  it.each(cases.map((c) => [JSON.stringify(c.spec), c] as const))("%s", (_, { spec, macs, params }) => {
    const cost = ATTENTION_COSTS[spec.type] as (typeof ATTENTION_COSTS)["softmax"];
    expect(cost.macs(spec as never, shape)).toBe(macs);
    expect(cost.params(spec as never, shape)).toBe(params);
  });

  it("adds q/k/v and the projection only for types that have them", () => {
    const geometry = { rows: 3, cols: 3, tokens: n, width: dModel };
    const mlp = { macs: 2 * n * dModel * 7, params: 4 * dModel + dModel * 7 + 7 + 7 * dModel + dModel };
    const a = h * d;
    const projections = {
      macs: 3 * n * dModel * a + n * a * dModel,
      params: 3 * (dModel * a + a) + a * dModel + dModel,
    };
    for (const { spec, macs, params } of cases) {
      const got = countBlock({ heads: h, mlpHidden: 7, attention: spec }, d, geometry);
      const withProjections = spec.type !== "fnet" && spec.type !== "mixer";
      expect(got.macs).toBe(mlp.macs + macs + (withProjections ? projections.macs : 0));
      expect(got.params).toBe(mlp.params + params + (withProjections ? projections.params : 0));
    }
  });

  it("fills the documented defaults, performer features floor(d ln d) of the head dimension", () => {
    expect(completeAttention("performer", 64)).toEqual({ type: "performer", features: 266 });
    expect(completeAttention({ type: "performer" }, 32)).toEqual({ type: "performer", features: 110 });
    expect(completeAttention("linformer", 32)).toEqual({ type: "linformer", k: 64, shareKV: true });
    expect(completeAttention("nystrom", 32)).toEqual({ type: "nystrom", landmarks: 64, iterations: 6, convKernel: 33 });
    expect(completeAttention("mixer", 32)).toEqual({ type: "mixer", expansion: 0.5 });
    expect(completeAttention("castling", 32)).toEqual({ type: "castling", convKernel: 9 });
    expect(completeAttention({ type: "linformer", k: 8 }, 32)).toEqual({ type: "linformer", k: 8, shareKV: true });
  });
});
