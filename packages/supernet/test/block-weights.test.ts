// A block's weight names come from block-weights.ts alone: what the super-network declares for a block is what the
// names there spell, with per-type or shared projections, and a standalone model's names map onto them.
import { describe, expect, it } from "vitest";
import { blockLayers, blockPrefix, blockWeights, extraName, projectionNames, typeOwner } from "../src/block-weights";
import { ownedName } from "../src/space";
import { tinySpace } from "./spaces";

const dims = { tokens: 5, width: 8, heads: 2, headDim: 4, mlpHidden: 16 };
const attention = [
  { type: "softmax" as const },
  { type: "performer" as const, features: 4 },
  { type: "fnet" as const },
];

describe("block weights", () => {
  it("declares a shared block's weights under the names the readers use", () => {
    const block = blockPrefix(1, 2);
    const layers = blockLayers(block);
    const p = projectionNames(block);
    const names = blockWeights(block, attention, "shared", dims).map((w) => w.name);
    expect(block).toBe("s1.b2");
    expect(names).toEqual([
      `${layers.ln1}.g`,
      `${layers.ln1}.b`,
      p.qkvW,
      p.qkvB,
      p.projW,
      p.projB,
      extraName(block, "performer", "features"),
      `${layers.ln2}.g`,
      `${layers.ln2}.b`,
      `${layers.mlp1}.w`,
      `${layers.mlp1}.b`,
      `${layers.mlp2}.w`,
      `${layers.mlp2}.b`,
    ]);
  });

  it("gives each attention type with projections its own set, and none to a type without (fnet)", () => {
    const block = blockPrefix(0, 0);
    const names = blockWeights(block, attention, "per-type", dims).map((w) => w.name);
    for (const type of ["softmax", "performer"]) {
      const p = projectionNames(typeOwner(block, type));
      expect(names).toEqual(expect.arrayContaining([p.qkvW, p.qkvB, p.projW, p.projB]));
    }
    expect(names.some((n) => n.startsWith(`${typeOwner(block, "fnet")}.`))).toBe(false);
    expect(names).not.toContain(projectionNames(block).qkvW);
  });

  it("maps a standalone model's projection names onto the per-type owner", () => {
    const space = tinySpace();
    const stage = space.stages[0]!;
    const arch = {
      format: "vit-arch/v1" as const,
      input: space.input,
      stem: space.stem,
      position: space.position[0]!,
      classToken: space.classToken,
      stages: [
        {
          width: stage.widths[0]!,
          headDim: stage.headDim,
          reduction: stage.reduction[0]!,
          blocks: [{ heads: stage.heads[0]!, mlpHidden: stage.mlpHidden[0]!, attention: stage.attention[0]! }],
        },
      ],
    };
    const block = blockPrefix(0, 0);
    const owner = typeOwner(block, stage.attention[0]!.type);
    expect(ownedName(projectionNames(block).qkvW, arch, "per-type")).toBe(projectionNames(owner).qkvW);
    expect(ownedName(`${blockLayers(block).mlp1}.w`, arch, "per-type")).toBe(`${blockLayers(block).mlp1}.w`);
    expect(ownedName(projectionNames(block).projB, arch, "shared")).toBe(projectionNames(block).projB);
  });
});
