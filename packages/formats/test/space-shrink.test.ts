import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { countArch } from "../src/counter";
import { archHash, ConstraintError, createRng, outsideSpace, sampleArch, shrinkArch } from "../src/space";
import type { VitArch, VitSpace } from "../src/types";
import { formatIssues, validateArch, validateSpace } from "../src/validate";
import { fixture } from "./fixtures";
import { seedArb, spaceArb } from "./space-arbitrary";

/** `arch` with every width, depth, heads and MLP size at the smallest (or largest) value the space allows (when
 * the largest widths do not grow stage to stage, the result is invalid). */
function extreme(s: VitSpace, arch: VitArch, pickSize: (values: number[]) => number): VitArch {
  const out = structuredClone(arch);
  let prev = 0;
  out.stages.forEach((stage, i) => {
    const c = s.stages[i]!;
    stage.width = pickSize(c.widths.filter((w) => w >= prev));
    prev = stage.width;
    const depth = pickSize(c.depth);
    stage.blocks = Array.from({ length: depth }, (_, j) => stage.blocks[Math.min(j, stage.blocks.length - 1)]!);
    stage.blocks = stage.blocks.map((b) => ({ ...b, heads: pickSize(c.heads), mlpHidden: pickSize(c.mlpHidden) }));
  });
  return out;
}

function expectValidIn(s: VitSpace, arch: VitArch) {
  const r = validateArch(arch);
  expect(r.ok ? "" : formatIssues(r.errors)).toBe("");
  expect(outsideSpace(s, arch)).toBeUndefined();
}

describe("shrinkArch", () => {
  it("brings any architecture under a MACs bound its smallest sizes can meet", () => {
    fc.assert(
      fc.property(spaceArb, seedArb, (s, seed) => {
        const rng = createRng(seed);
        const a = sampleArch(s, rng);
        const floor = countArch(extreme(s, a, (v) => Math.min(...v)));
        const shrunk = shrinkArch(s, a, { macs: { max: floor.macs } }, rng);
        expectValidIn(s, shrunk);
        expect(countArch(shrunk).macs).toBeLessThanOrEqual(floor.macs);
      }),
      { numRuns: 60 },
    );
  });

  it("jumps past a width whose widening reduction costs more than it saves", () => {
    // Found by the property above: from width 24, the next width down (16) before a `none` reduction to 24 adds a
    // widening Linear and costs more; only the jump to 8 gets under the bound.
    const s = validateSpace({
      format: "vit-space/v1",
      input: { imageSize: 16, channels: 3, classes: 4 },
      stem: { convs: [], patch: { kernel: 2, stride: 2 } },
      position: ["rope"],
      classToken: false,
      stages: [
        { widths: [16, 24, 8], headDim: 4, depth: [1], heads: [1], mlpHidden: [8], attention: ["xnorm"] },
        { widths: [24], headDim: 4, depth: [1], heads: [2], mlpHidden: [32], attention: ["linformer"] },
      ],
    });
    if (!s.ok) throw new Error(formatIssues(s.errors));
    const rng = createRng(1658505363);
    for (let i = 0; i < 20; i++) {
      const a = sampleArch(s.value, rng);
      const floor = countArch(extreme(s.value, a, (v) => Math.min(...v)));
      const shrunk = shrinkArch(s.value, a, { macs: { max: floor.macs } }, rng);
      expect(countArch(shrunk).macs).toBeLessThanOrEqual(floor.macs);
    }
  });

  it("widens a stage when only widening sheds parameters", () => {
    // Found by the property below: width 12 before a `none` reduction to 16 adds a widening Linear, so the only
    // way under the parameter bound is up to 16, against the direction the other size moves take.
    const s = validateSpace({
      format: "vit-space/v1",
      input: { imageSize: 16, channels: 3, classes: 4 },
      stem: { convs: [], patch: { kernel: 2, stride: 2 } },
      position: ["none"],
      classToken: false,
      stages: [
        { widths: [12, 16], headDim: 4, depth: [1], heads: [1], mlpHidden: [8], attention: ["xnorm"] },
        {
          widths: [16],
          headDim: 4,
          depth: [1],
          heads: [3],
          mlpHidden: [8],
          attention: [{ type: "mixer", expansion: 0.5 }],
        },
      ],
    });
    if (!s.ok) throw new Error(formatIssues(s.errors));
    const a = sampleArch(s.value, createRng(1));
    a.stages[0]!.width = 12;
    const top = structuredClone(a);
    top.stages[0]!.width = 16;
    const { macs, params } = countArch(top);
    expect(countArch(a).params).toBeGreaterThan(params);
    const grown = shrinkArch(s.value, a, { macs: { min: macs }, params: { max: params } }, createRng(2));
    expect(grown.stages[0]!.width).toBe(16);
  });

  it("grows an architecture above a lower bound its largest sizes meet, without passing an upper bound", () => {
    fc.assert(
      fc.property(spaceArb, seedArb, (s, seed) => {
        const rng = createRng(seed);
        const a = sampleArch(s, rng);
        const top = extreme(s, a, (v) => Math.max(...v));
        const valid = validateArch(top).ok;
        fc.pre(valid);
        const { macs, params } = countArch(top);
        const shrunk = shrinkArch(s, a, { macs: { min: macs }, params: { max: params } }, rng);
        expectValidIn(s, shrunk);
        const count = countArch(shrunk);
        expect(count.macs).toBeGreaterThanOrEqual(macs);
        expect(count.params).toBeLessThanOrEqual(params);
      }),
      { numRuns: 40 },
    );
  });

  it("meets a narrow window, like ViT-ResNAS's [0.975 C, C]", () => {
    const r = validateSpace(fixture("tiny-space"));
    if (!r.ok) throw new Error(formatIssues(r.errors));
    const s = r.value;
    const rng = createRng(4);
    const macs = [...Array(200)].map(() => countArch(sampleArch(s, rng)).macs).sort((x, y) => x - y);
    const C = macs[50]!;
    let met = 0;
    for (let n = 0; n < 40; n++) {
      try {
        const shrunk = shrinkArch(s, sampleArch(s, rng), { macs: { min: 0.975 * C, max: C } }, rng);
        const m = countArch(shrunk).macs;
        expect(m).toBeGreaterThanOrEqual(0.975 * C);
        expect(m).toBeLessThanOrEqual(C);
        met++;
      } catch (err) {
        expect(err).toBeInstanceOf(ConstraintError);
      }
    }
    expect(met).toBeGreaterThan(30);
  });

  it("returns an architecture that already meets the constraints unchanged", () => {
    fc.assert(
      fc.property(spaceArb, seedArb, (s, seed) => {
        const a = sampleArch(s, createRng(seed));
        const { macs, params } = countArch(a);
        const kept = shrinkArch(s, a, { macs: { min: macs, max: macs }, params: { max: params } });
        expect(archHash(kept)).toBe(archHash(a));
        expect(kept).not.toBe(a);
      }),
      { numRuns: 30 },
    );
  });

  it("reports an impossible constraint clearly", () => {
    fc.assert(
      fc.property(spaceArb, seedArb, (s, seed) => {
        const a = sampleArch(s, createRng(seed));
        expect(() => shrinkArch(s, a, { macs: { max: 1 } })).toThrow(
          /cannot meet the constraints \(macs <= 1\): .* stops at \d+ MACs and \d+ parameters/,
        );
      }),
      { numRuns: 20 },
    );
  });
});
