import { chance, createRng, pick, type Rng } from "@vitnas/formats";
import { describe, expect, it } from "vitest";
import {
  type ArchOutline,
  archChoices,
  choiceImportance,
  choiceLabel,
  type ImportanceSample,
  stageOutline,
} from "../src";

const TYPES = ["softmax", "performer", "fnet", "xnorm"] as const;

/** A random two-stage architecture whose blocks choose independently, as the space samples them. */
function randomArch(rng: Rng): ArchOutline {
  const stage = (widths: number[]) => ({
    width: pick(rng, widths),
    reduction: pick(rng, ["none", "residual"]),
    blocks: Array.from({ length: pick(rng, [1, 2, 3]) }, () => ({
      heads: pick(rng, [1, 2, 4]),
      mlpHidden: pick(rng, [64, 128]),
      attention: { type: pick(rng, TYPES) },
    })),
  });
  return { position: pick(rng, ["learned", "rope"]), stages: [stage([32, 48]), stage([64, 96])] };
}

const importanceOf = (result: ReturnType<typeof choiceImportance>, key: string) =>
  result.choices.find((c) => c.key === key)?.importance ?? Number.NaN;

describe("archChoices", () => {
  it("reads stage choices whole and block choices as shares of the stage's blocks", () => {
    const choices = archChoices({
      position: "rope",
      stages: [
        { width: 32, reduction: "none", blocks: [{ heads: 2, mlpHidden: 64, attention: { type: "fnet" } }] },
        {
          width: 64,
          reduction: "residual",
          blocks: [
            { heads: 2, mlpHidden: 128, attention: { type: "softmax" } },
            { heads: 4, mlpHidden: 128, attention: "fnet" },
            { heads: 2, mlpHidden: 128, attention: { type: "softmax" } },
          ],
        },
      ],
    });
    expect(choices).toEqual({
      position: [{ value: "rope", weight: 1 }],
      "stages[0].width": [{ value: 32, weight: 1 }],
      "stages[0].depth": [{ value: 1, weight: 1 }],
      "stages[0].heads": [{ value: 2, weight: 1 }],
      "stages[0].mlpHidden": [{ value: 64, weight: 1 }],
      "stages[0].attention": [{ value: "fnet", weight: 1 }],
      "stages[1].width": [{ value: 64, weight: 1 }],
      "stages[1].depth": [{ value: 3, weight: 1 }],
      "stages[1].reduction": [{ value: "residual", weight: 1 }],
      "stages[1].heads": [
        { value: 2, weight: 2 / 3 },
        { value: 4, weight: 1 / 3 },
      ],
      "stages[1].mlpHidden": [{ value: 128, weight: 1 }],
      "stages[1].attention": [
        { value: "softmax", weight: 2 / 3 },
        { value: "fnet", weight: 1 / 3 },
      ],
    });
  });

  it("outlines a stage by its mean heads and MLP and its most used attention, the earliest on a tie", () => {
    const block = (type: string, heads: number) => ({ heads, mlpHidden: heads * 32, attention: { type } });
    expect(stageOutline({ width: 48, blocks: [block("fnet", 1), block("softmax", 2), block("softmax", 4)] })).toEqual({
      depth: 3,
      width: 48,
      heads: 7 / 3,
      mlpHidden: (7 / 3) * 32,
      attention: "softmax",
      reduction: "none",
    });
    expect(
      stageOutline({ width: 48, reduction: "residual", blocks: [block("xnorm", 1), block("fnet", 1)] }),
    ).toMatchObject({ attention: "xnorm", reduction: "residual" });
    expect(choiceLabel("stages[1].mlpHidden")).toBe("stage 2 MLP size");
    expect(choiceLabel("stages[0].attention")).toBe("stage 1 attention");
    expect(choiceLabel("position")).toBe("position");
  });
});

describe("choiceImportance", () => {
  it("gives all the importance to the one choice accuracy depends on, with its effects per option", () => {
    const rng = createRng(1);
    const value: Record<string, number> = { softmax: 0.8, performer: 0.7, fnet: 0.6, xnorm: 0.5 };
    // Accuracy is the mean of the stage-1 blocks' values: blocks of one stage mix types, as evolved ones do.
    const samples: ImportanceSample[] = Array.from({ length: 3000 }, () => {
      const arch = randomArch(rng);
      const blocks = arch.stages[0]!.blocks;
      const accuracy = blocks.reduce((s, b) => s + value[(b.attention as { type: string }).type]!, 0) / blocks.length;
      return { accuracy, choices: archChoices(arch) };
    });
    const result = choiceImportance(samples);
    expect(result.choices[0]!.key).toBe("stages[0].attention");
    expect(result.choices[0]!.importance).toBeGreaterThan(0.999);
    for (const c of result.choices.slice(1)) expect(c.importance).toBeLessThan(1e-3);
    expect(result.explained).toBeGreaterThan(0.999);
    // Effects are the values relative to one another (the ridge pulls them in by a fraction of a percent).
    const effect = Object.fromEntries(result.choices[0]!.options.map((o) => [o.value, o.effect]));
    expect(effect.softmax! - effect.xnorm!).toBeCloseTo(0.3, 2);
    expect(effect.performer! - effect.fnet!).toBeCloseTo(0.1, 2);
    // The choices every candidate made once (stage 2's) have options in value order.
    expect(result.choices.find((c) => c.key === "stages[1].width")!.options.map((o) => o.value)).toEqual([64, 96]);
  });

  it("splits importance in proportion to the variance each choice causes", () => {
    // A balanced design: width moves accuracy by +-0.1 (variance 0.01), depth by +-0.05 (variance 0.0025).
    const samples: ImportanceSample[] = [];
    for (let rep = 0; rep < 200; rep++) {
      for (const width of [32, 64]) {
        for (const depth of [1, 2]) {
          samples.push({
            accuracy: 0.5 + (width === 64 ? 0.1 : -0.1) + (depth === 2 ? 0.05 : -0.05),
            choices: {
              "stages[0].width": [{ value: width, weight: 1 }],
              "stages[0].depth": [{ value: depth, weight: 1 }],
            },
          });
        }
      }
    }
    const result = choiceImportance(samples);
    expect(importanceOf(result, "stages[0].width")).toBeCloseTo(0.8, 6);
    expect(importanceOf(result, "stages[0].depth")).toBeCloseTo(0.2, 6);
    expect(result.variance).toBeCloseTo(0.0125, 10);
    const width = result.choices[0]!;
    expect(width.variance).toBeCloseTo(0.01, 4);
    expect(width.options).toEqual([
      {
        value: 32,
        candidates: 400,
        mean: expect.closeTo(0.4, 10),
        std: expect.closeTo(0.05, 10),
        effect: expect.closeTo(-0.1, 3),
      },
      {
        value: 64,
        candidates: 400,
        mean: expect.closeTo(0.6, 10),
        std: expect.closeTo(0.05, 10),
        effect: expect.closeTo(0.1, 3),
      },
    ]);
  });

  it("credits the choice that matters, not the one the search made co-occur with it", () => {
    const rng = createRng(7);
    // Depth alone decides accuracy, but 85% of deep candidates are also wide: per-width averages differ by a lot.
    const samples: ImportanceSample[] = Array.from({ length: 4000 }, () => {
      const depth = pick(rng, [1, 2]);
      const width = chance(rng, 0.85) ? (depth === 2 ? 64 : 32) : depth === 2 ? 32 : 64;
      return {
        accuracy: depth === 2 ? 0.7 : 0.5,
        choices: { "stages[0].width": [{ value: width, weight: 1 }], "stages[0].depth": [{ value: depth, weight: 1 }] },
      };
    });
    const result = choiceImportance(samples);
    const width = result.choices.find((c) => c.key === "stages[0].width")!;
    expect(width.options[1]!.mean - width.options[0]!.mean).toBeGreaterThan(0.12);
    expect(importanceOf(result, "stages[0].depth")).toBeGreaterThan(0.999);
    expect(importanceOf(result, "stages[0].width")).toBeLessThan(1e-3);
  });

  it("explains little of pure noise, and nothing of a constant", () => {
    const rng = createRng(3);
    const noisy = Array.from({ length: 3000 }, () => ({
      accuracy: (rng.next() >>> 0) / 2 ** 32,
      choices: archChoices(randomArch(rng)),
    }));
    const result = choiceImportance(noisy);
    expect(result.explained).toBeLessThan(0.03);
    expect(result.choices.reduce((s, c) => s + c.importance, 0)).toBeCloseTo(1, 10);

    const constant = choiceImportance(noisy.map((s) => ({ ...s, accuracy: 0.42 })));
    expect(constant.explained).toBe(0);
    expect(constant.choices.every((c) => c.importance === 0)).toBe(true);
    expect(constant.choices.find((c) => c.key === "position")!.options[0]).toMatchObject({
      mean: expect.closeTo(0.42, 12),
      std: expect.closeTo(0, 12),
    });
  });

  it("leaves out choices that took one option, and answers an empty sample", () => {
    const samples = [0.4, 0.6].map((accuracy, i) => ({
      accuracy,
      choices: { position: [{ value: "learned", weight: 1 }], "stages[0].depth": [{ value: i + 1, weight: 1 }] },
    }));
    expect(choiceImportance(samples).choices.map((c) => c.key)).toEqual(["stages[0].depth"]);
    expect(choiceImportance([])).toEqual({ samples: 0, variance: 0, explained: 0, choices: [] });
  });
});
