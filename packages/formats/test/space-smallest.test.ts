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
