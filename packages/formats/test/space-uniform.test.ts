import { describe, expect, it } from "vitest";
import { countArch } from "../src/counter";
import { outsideSpace, UNIFORM_PICKS, uniformArch } from "../src/space";
import type { VitArch, VitSpace } from "../src/types";
import { formatIssues, validateJob, validateSpace } from "../src/validate";
import { fixture } from "./fixtures";

function space(): VitSpace {
  const r = validateSpace({
    format: "vit-space/v1",
    input: { imageSize: 16, channels: 3, classes: 4 },
    stem: { convs: [], patch: { kernel: 2, stride: 2 } },
    position: ["rope", "learned"],
    classToken: true,
    stages: [
      {
        widths: [16, 24, 32],
        headDim: 8,
        depth: [1, 2, 3],
        heads: [1, 2],
        mlpHidden: [16, 32, 64],
        attention: ["xnorm", "softmax"],
      },
      {
        widths: [24, 48],
        headDim: 8,
        depth: [1, 2],
        heads: [2, 3, 4],
        mlpHidden: [32, 64],
        attention: ["fnet"],
        reduction: ["residual", "none"],
      },
    ],
  });
  if (!r.ok) throw new Error(formatIssues(r.errors));
  return r.value;
}

describe("uniformArch", () => {
  it("takes every choice at its smallest, median or largest, softmax where offered, inside the space", () => {
    const s = space();
    const [small, median, large] = UNIFORM_PICKS.map((p) => uniformArch(s, p)) as [VitArch, VitArch, VitArch];
    for (const arch of [small, median, large]) expect(outsideSpace(s, arch)).toBeUndefined();
    expect(
      small!.stages.map((st) => [st.width, st.blocks.length, st.blocks[0]!.heads, st.blocks[0]!.mlpHidden]),
    ).toEqual([
      [16, 1, 1, 16],
      [24, 1, 2, 32],
    ]);
    // The lower median of an even count; widths never below the previous stage's.
    expect(
      median!.stages.map((st) => [st.width, st.blocks.length, st.blocks[0]!.heads, st.blocks[0]!.mlpHidden]),
    ).toEqual([
      [24, 2, 1, 32],
      [24, 1, 3, 32],
    ]);
    expect(large!.stages.map((st) => [st.width, st.blocks.length])).toEqual([
      [32, 3],
      [48, 2],
    ]);
    expect(large!.stages[0]!.blocks.every((b) => b.attention.type === "softmax")).toBe(true);
    expect(large!.stages[1]!.blocks[0]!.attention.type).toBe("fnet");
    expect(large!.position).toBe("rope");
    expect(countArch(small!).macs).toBeLessThan(countArch(median!).macs);
    expect(countArch(median!).macs).toBeLessThan(countArch(large!).macs);
  });
});

describe("uniformArch with listed drop places", () => {
  it("drops the last listed places first, and stays inside the space", () => {
    const s = space();
    s.stages[0] = { ...s.stages[0]!, depthDrop: [0, 2] };
    const small = uniformArch(s, "smallest");
    expect(outsideSpace(s, small)).toBeUndefined();
    // Depth 1 of 3 places: places 0 and 2 dropped, place 1 kept.
    expect(small.stages[0]!.blocks.map((b) => b.index)).toEqual([1]);
    const median = uniformArch(s, "median");
    expect(outsideSpace(s, median)).toBeUndefined();
    expect(median.stages[0]!.blocks.map((b) => b.index ?? "same")).toEqual(["same", "same"]);
  });
});

describe("baselines in a job", () => {
  const job = (baselines: unknown, final?: unknown) => {
    const doc = fixture("tiny-job");
    Object.assign(doc, { baselines, ...(final ? { final } : {}) });
    return validateJob(doc);
  };

  it("accepts the built-in picks and architectures of the space, completing their defaults", () => {
    const doc = fixture("tiny-job");
    const r0 = validateJob(doc);
    if (!r0.ok) throw new Error(formatIssues(r0.errors));
    const arch = uniformArch(r0.value.space, "median");
    const r = job({ builtin: ["smallest", "largest"], archs: [arch] });
    expect(r.ok ? "" : formatIssues(r.errors)).toBe("");
    if (r.ok) expect(r.value.baselines.archs[0]).toEqual(arch);
  });

  it("names the field of an architecture that does not fit the space or cannot be fine-tuned", () => {
    const doc = fixture("tiny-job");
    const r0 = validateJob(doc);
    if (!r0.ok) throw new Error("fixture");
    const arch = structuredClone(uniformArch(r0.value.space, "largest"));
    arch.input = { ...arch.input, classes: arch.input.classes + 1 };
    const r = job({ archs: [arch] });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(formatIssues(r.errors)).toMatch(/baselines\.archs\[0\]\.input\.classes/);
      expect(formatIssues(r.errors)).toMatch(/baselines\.archs\[0\].*outside the space.*final\.mode/);
    }
    const wider = structuredClone(uniformArch(r0.value.space, "largest"));
    wider.stages[0]!.width += 8;
    const wide = job({ archs: [wider] });
    expect(wide.ok).toBe(false);
    expect(job({ archs: [wider] }, { mode: "scratch" }).ok).toBe(true);
  });

  it("refuses an unknown built-in pick", () => {
    expect(job({ builtin: ["huge"] }).ok).toBe(false);
  });

  it("takes final.train for a dataset with a training-image count, and names it for a folder dataset", () => {
    expect(job({ builtin: ["smallest"] }, { top: 1, train: 500 }).ok).toBe(true);
    const doc = fixture("tiny-job");
    Object.assign(doc, {
      dataset: { kind: "folder", path: "/data/flowers" },
      final: { top: 1, train: 500 },
    });
    const r = validateJob(doc);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(formatIssues(r.errors)).toMatch(/final\.train.*folder/);
  });
});
