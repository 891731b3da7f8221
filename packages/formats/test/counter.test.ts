import { describe, expect, it } from "vitest";
import { countArch, stageGeometry, type VitArch, validateArch } from "../src";
import { fixture } from "./fixtures";

const arch = (name: string): VitArch => {
  const result = validateArch(fixture(name));
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
};

describe("countArch reproduces the reference figures of docs/model-conventions.md", () => {
  it.each([
    ["deit-tiny", 1_253_683_200, 5_717_416],
    ["deit-small", 4_598_882_304, 22_050_664],
    ["vit-res-tiny", 1_794_378_240, 42_012_736],
  ])("%s", (name, macs, params) => {
    const count = countArch(arch(name));
    expect(count.macs).toBe(macs);
    expect(count.params).toBe(params);
  });

  it("adds up its breakdown to the totals", () => {
    const count = countArch(arch("vit-res-tiny"));
    const parts = [count.stem, count.head, ...count.stages];
    expect(parts.reduce((s, p) => s + p.macs, 0)).toBe(count.macs);
    expect(parts.reduce((s, p) => s + p.params, 0) + count.classToken).toBe(count.params);
    for (const stage of count.stages) {
      const blocks = stage.blocks.reduce((s, b) => s + b.params, 0);
      expect(stage.params).toBe(blocks + stage.reduction.params + stage.position);
    }
  });
});

describe("stageGeometry", () => {
  it("gives ViT-Res-Tiny's 257 / 65 / 17 tokens", () => {
    expect(stageGeometry(arch("vit-res-tiny"))).toEqual([
      { rows: 16, cols: 16, tokens: 257, width: 192 },
      { rows: 8, cols: 8, tokens: 65, width: 384 },
      { rows: 4, cols: 4, tokens: 17, width: 768 },
    ]);
  });

  it("keeps the grid on a none reduction and drops the class token when there is none", () => {
    const doc = fixture("vit-res-tiny");
    doc.classToken = false;
    doc.stages[1].reduction = "none";
    const value = validateArch(doc);
    expect(value.ok).toBe(true);
    if (!value.ok) return;
    expect(stageGeometry(value.value).map((g) => g.tokens)).toEqual([256, 256, 64]);
  });
});

describe("countArch conventions", () => {
  // A one-stage model whose every term is written out here: 32 px, patch 8 -> 4x4 grid, width 16.
  const base = () => ({
    format: "vit-arch/v1",
    input: { imageSize: 32, channels: 3, classes: 5 },
    stem: { convs: [], patch: { kernel: 8, stride: 8 } },
    stages: [{ width: 16, headDim: 4, blocks: [{ heads: 2, mlpHidden: 32, attention: { type: "softmax" } }] }],
  });
  const count = (doc: unknown) => {
    const result = validateArch(doc);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    return countArch(result.value);
  };

  it("counts a single-block model term by term", () => {
    const n = 17;
    const [d, a, m, c] = [16, 8, 32, 5];
    const patch = { macs: 16 * d * 8 * 8 * 3, params: 8 * 8 * 3 * d + d };
    const block = {
      macs: 3 * n * d * a + n * a * d + 2 * n * d * m + 2 * n * n * a,
      params: 4 * d + 3 * (d * a + a) + a * d + d + d * m + m + m * d + d,
    };
    const head = { macs: d * c, params: 2 * d + d * c + c };
    const got = count(base());
    expect(got.macs).toBe(patch.macs + block.macs + head.macs);
    expect(got.params).toBe(patch.params + d + n * d + block.params + head.params);
  });

  it("gives a batch-normed stem conv gamma and beta instead of a bias", () => {
    const plain = base();
    const withConv = (norm: string) => ({
      ...plain,
      stem: { convs: [{ out: 6, kernel: 3, norm }], patch: plain.stem.patch },
    });
    const batch = count(withConv("batch"));
    const none = count(withConv("none"));
    expect(batch.stem.params).toBe(3 * 3 * 3 * 6 + 2 * 6 + 8 * 8 * 6 * 16 + 16);
    expect(none.stem.params).toBe(batch.stem.params - 6);
    expect(batch.stem.macs).toBe(32 * 32 * 6 * 9 * 3 + 16 * 16 * 8 * 8 * 6);
  });

  it("counts a widening none reduction as LayerNorm + token-wise Linear, and an equal one as nothing", () => {
    const doc = base();
    const second = (width: number) => ({
      width,
      headDim: 4,
      reduction: "none",
      blocks: [{ heads: 2, mlpHidden: 32, attention: { type: "softmax" } }],
    });
    const same = count({ ...doc, stages: [...doc.stages, second(16)] });
    const wider = count({ ...doc, stages: [...doc.stages, second(24)] });
    expect(same.stages[1]!.reduction).toEqual({ macs: 0, params: 0 });
    expect(same.stages[1]!.position).toBe(0);
    expect(wider.stages[1]!.reduction).toEqual({ macs: 17 * 16 * 24, params: 2 * 16 + 16 * 24 + 24 });
  });

  it("counts a residual reduction with its conv, class-token Linear and patch-only position embedding", () => {
    const doc = base();
    const stage = { width: 32, headDim: 4, reduction: "residual", blocks: doc.stages[0]!.blocks };
    const got = count({ ...doc, stages: [...doc.stages, stage] });
    expect(got.stages[1]!.reduction).toEqual({
      macs: 2 * 2 * 32 * 9 * 16 + 16 * 32,
      params: 2 * 16 + 9 * 16 * 32 + 32 + 16 * 32 + 32,
    });
    expect(got.stages[1]!.position).toBe(2 * 2 * 32);
    const rope = count({ ...doc, position: "rope", stages: [...doc.stages, stage] });
    expect(got.params - rope.params).toBe(17 * 16 + 2 * 2 * 32);
    expect(rope.macs).toBe(got.macs);
  });
});
