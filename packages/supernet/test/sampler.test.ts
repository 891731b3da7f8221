// Multi-architecture sampling: balanced banks, the candidate warm-up, and only valid combinations.
import type { VitSpace } from "@vitnas/formats";
import { describe, expect, it } from "vitest";
import { ArchSampler, candidateCount, castlingBranchWeight, learningRate } from "../src";
import { tinySpace } from "./spaces";

describe("candidate warm-up", () => {
  it("follows n = min(1 + floor(epoch*(K-1)/W), K)", () => {
    expect([0, 1, 2, 3, 4, 5].map((e) => candidateCount(e, 5, 4))).toEqual([1, 2, 3, 4, 5, 5]);
    expect(candidateCount(0, 3, 0)).toBe(3);
    expect(candidateCount(1, 3, 30)).toBe(1);
  });

  it("samples only the largest options in the first epoch", () => {
    const space = tinySpace();
    const sampler = new ArchSampler(space, 1, 2);
    for (let i = 0; i < 20; i++) {
      const arch = sampler.sample(0);
      arch.stages.forEach((stage, s) => {
        expect(stage.width).toBe(Math.max(...space.stages[s]!.widths));
        expect(stage.blocks.length).toBe(Math.max(...space.stages[s]!.depth));
        for (const b of stage.blocks) expect(b.heads).toBe(Math.max(...space.stages[s]!.heads));
      });
    }
  });
});

describe("balanced sampling", () => {
  it("draws every option of a choice equally often", () => {
    const space = tinySpace();
    const sampler = new ArchSampler(space, 3, 0);
    const counts = new Map<string, number>();
    const rounds = 8 * 10;
    for (let i = 0; i < rounds; i++) {
      const arch = sampler.sample(5);
      const a = arch.stages[0]!.blocks[0]!.attention.type;
      counts.set(a, (counts.get(a) ?? 0) + 1);
    }
    // Eight attention types, each exactly once per round of eight draws.
    expect([...counts.values()]).toEqual(Array(8).fill(10));
  });

  it("never samples a width below the previous stage's or a residual reduction on an odd grid", () => {
    const space: VitSpace = tinySpace(undefined, {
      input: { imageSize: 12, channels: 3, classes: 4 },
    });
    // 12px, 3x3 same-size stem conv, patch 2: a 6x6 grid, then 3x3 after one residual reduction.
    space.stages.push({ ...space.stages[1]!, widths: [16, 32], reduction: ["residual", "none"] });
    space.stages[1] = { ...space.stages[1]!, widths: [16, 24, 32] };
    const sampler = new ArchSampler(space, 5, 0);
    for (let i = 0; i < 200; i++) {
      const arch = sampler.sample(3);
      let grid = 6;
      arch.stages.forEach((stage, s) => {
        if (s === 0) return;
        expect(stage.width).toBeGreaterThanOrEqual(arch.stages[s - 1]!.width);
        if (stage.reduction === "residual") {
          expect(grid % 2).toBe(0);
          grid /= 2;
        }
      });
    }
  });

  it("restores its state exactly", () => {
    const a = new ArchSampler(tinySpace(), 9, 1);
    a.sample(0);
    a.sample(1);
    const b = new ArchSampler(tinySpace(), 123, 1);
    b.restore(a.state());
    for (let i = 0; i < 5; i++) expect(b.sample(2)).toEqual(a.sample(2));
  });
});

describe("schedules", () => {
  it("warms the learning rate up linearly and decays it by a cosine to zero", () => {
    expect(learningRate(0, 1, 4, 20)).toBeCloseTo(0.25);
    expect(learningRate(3, 1, 4, 20)).toBeCloseTo(1);
    expect(learningRate(12, 1, 4, 20)).toBeCloseTo(0.5);
    expect(learningRate(20, 1, 4, 20)).toBeCloseTo(0);
  });

  it("fades castling's training branch out by half of training", () => {
    expect(castlingBranchWeight(0, 100)).toBe(1);
    expect(castlingBranchWeight(25, 100)).toBeCloseTo(0.5);
    expect(castlingBranchWeight(50, 100)).toBe(0);
    expect(castlingBranchWeight(90, 100)).toBe(0);
  });
});
