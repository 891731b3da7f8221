// A trained super-network's recipe hash: a recipe field at its no-op default leaves the hash of super-networks
// trained before the field existed unchanged; a setting that changes the weights changes it.
import { describe, expect, it } from "vitest";
import { supernetRecipeHash, validateJob } from "../src";
import { fixture } from "./fixtures";

function job(supernet: Record<string, unknown>) {
  const doc = fixture("tiny-job");
  doc.supernet = { ...doc.supernet, ...supernet };
  const checked = validateJob(doc);
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  return checked.value;
}

describe("supernetRecipeHash", () => {
  it("is the same without an attention warm-up as before the field existed, and differs with one", () => {
    const plain = job({});
    const { attentionWarmupEpochs: _, ...before } = plain.supernet;
    expect(supernetRecipeHash(plain)).toBe(supernetRecipeHash({ ...plain, supernet: before as typeof plain.supernet }));
    expect(supernetRecipeHash(job({ attentionWarmupEpochs: 0 }))).toBe(supernetRecipeHash(plain));
    expect(supernetRecipeHash(job({ attentionWarmupEpochs: 1 }))).not.toBe(supernetRecipeHash(plain));
  });

  it("is the same without space shrinking as before the field existed, and differs with it", () => {
    expect(supernetRecipeHash(job({ attentionShrink: { epoch: 1, keep: 1 } }))).not.toBe(supernetRecipeHash(job({})));
    expect(supernetRecipeHash(job({ attentionShrink: { epoch: 1, keep: 1 } }))).not.toBe(
      supernetRecipeHash(job({ attentionShrink: { epoch: 1, keep: 2 } })),
    );
  });

  it("ignores where the weights come from and how often they are saved", () => {
    expect(supernetRecipeHash(job({ checkpointEverySteps: 7, reuse: "auto" }))).toBe(supernetRecipeHash(job({})));
    expect(supernetRecipeHash(job({ learningRate: 0.003 }))).not.toBe(supernetRecipeHash(job({})));
  });
});
