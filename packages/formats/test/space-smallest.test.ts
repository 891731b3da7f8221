// The space's MACs range: smallestArch is a member of the space no sampled architecture undercuts, largestArch one
// none exceeds, on random spaces (every attention type, reduction, position and depthDrop).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { countArch } from "../src/counter";
import { largestArch } from "../src/semantics";
import { createRng, outsideSpace, sampleArch, smallestArch, uniformArch } from "../src/space";
import type { VitSpace } from "../src/types";
import { formatIssues, validateArch, validateSpace } from "../src/validate";
import { seedArb, spaceArb } from "./space-arbitrary";

describe("smallestArch", () => {
  it("is in the space, and no sampled architecture has fewer MACs or more than largestArch", () => {
    fc.assert(
      fc.property(spaceArb, seedArb, (space, seed) => {
        const smallest = smallestArch(space);
        const valid = validateArch(smallest);
        expect(valid.ok ? "" : formatIssues(valid.errors)).toBe("");
        expect(outsideSpace(space, smallest)).toBeUndefined();
        const low = countArch(smallest).macs;
        const high = countArch(largestArch(space)).macs;
        const rng = createRng(seed);
        for (let i = 0; i < 20; i++) {
          const macs = countArch(sampleArch(space, rng)).macs;
          expect(macs).toBeGreaterThanOrEqual(low);
          expect(macs).toBeLessThanOrEqual(high);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("largestArch halves the grid where the conv costs more than the blocks it saves", () => {
    // Found by the property above: one cheap performer block after a conv reduction (16 px, 2x2 patches).
    const stage = (attention: VitSpace["stages"][number]["attention"], depth: number) => ({
      widths: [24],
      headDim: 4,
      depth: [depth],
      heads: [1],
      mlpHidden: [8],
      attention,
    });
    const r = validateSpace({
      format: "vit-space/v1",
      input: { imageSize: 16, channels: 3, classes: 4 },
      stem: { convs: [], patch: { kernel: 2, stride: 2 } },
      position: ["rope"],
      stages: [
        stage([{ type: "mixer", expansion: 0.5 }], 3),
        { ...stage([{ type: "performer", features: 5 }], 1), reduction: ["none", "conv"] },
      ],
    });
    if (!r.ok) throw new Error(formatIssues(r.errors));
    const largest = largestArch(r.value);
    expect(largest.stages[1]!.reduction).toBe("conv");
    const keep = structuredClone(largest);
    keep.stages[1]!.reduction = "none";
    expect(countArch(largest).macs).toBeGreaterThan(countArch(keep).macs);
  });

  it("takes the cheapest attention and a halving reduction where they cost less than the uniform smallest", () => {
    const r = validateSpace({
      format: "vit-space/v1",
      input: { imageSize: 32, channels: 3, classes: 10 },
      stem: { convs: [], patch: { kernel: 2, stride: 2 } },
      position: ["learned", "rope"],
      stages: [
        {
          widths: [32, 64],
          headDim: 8,
          depth: [2, 4],
          heads: [2, 4],
          mlpHidden: [64],
          attention: ["softmax", "fnet", "performer"],
        },
        {
          widths: [64, 96],
          headDim: 8,
          depth: [2],
          heads: [4],
          mlpHidden: [128],
          attention: ["softmax", "performer"],
          reduction: ["none", "residual"],
        },
      ],
    });
    if (!r.ok) throw new Error(formatIssues(r.errors));
    const space: VitSpace = r.value;
    const uniform = uniformArch(space, "smallest");
    const smallest = smallestArch(space);
    expect(countArch(smallest).macs).toBeLessThan(countArch(uniform).macs);
    // 256 tokens: performer's 16 random features cost less than softmax's N^2 and fnet's DFT as matmuls; halving
    // the grid into stage 1 costs a 3x3 conv and saves more in its blocks.
    expect(smallest.stages.map((s) => s.blocks[0]!.attention.type)).toEqual(["performer", "performer"]);
    expect(smallest.stages[1]!.reduction).toBe("residual");
    // Rotary positions have no parameters: the tie on MACs goes to fewer parameters.
    expect(smallest.position).toBe("rope");
    expect(smallest.stages.map((s) => [s.width, s.blocks.length, s.blocks[0]!.heads])).toEqual([
      [32, 2, 2],
      [64, 2, 4],
    ]);
  });
});
