// The space of one architecture holds it, and only it when its stages' blocks are alike.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isInSpace, spaceOfArch, validateArch, validateSpace } from "../src";

const fixture = (name: string) => {
  const result = validateArch(JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", name), "utf8")));
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
};

describe("spaceOfArch", () => {
  it("is a valid space holding exactly a uniform architecture", () => {
    const arch = fixture("vit-res-tiny.json");
    const space = spaceOfArch(arch);
    expect(validateSpace(space).ok).toBe(true);
    expect(isInSpace(space, arch)).toBe(true);
    for (const stage of space.stages) {
      expect([stage.widths, stage.depth, stage.heads, stage.mlpHidden, stage.attention].map((c) => c.length)).toEqual([
        1, 1, 1, 1, 1,
      ]);
    }
  });

  it("lists every distinct block choice of a stage", () => {
    const arch = fixture("deit-tiny.json");
    arch.stages[0]!.blocks[3] = { ...arch.stages[0]!.blocks[3]!, heads: 4, attention: { type: "xnorm" } };
    const space = spaceOfArch(arch);
    expect(space.stages[0]!.heads).toEqual([3, 4]);
    expect(space.stages[0]!.attention.map((a) => a.type)).toEqual(["softmax", "xnorm"]);
    expect(isInSpace(space, arch)).toBe(true);
  });
});
