// Every preset the new-search page offers is a valid job, so a user who submits one unchanged gets a search.
import { validateJob } from "@vitnas/formats";
import { describe, expect, it } from "vitest";
import { PRESETS } from "../src/presets";

describe("job presets", () => {
  it("offers the demo, ViT-ResNAS-like and Vision X-formers-like spaces under distinct ids", () => {
    expect(PRESETS.map((p) => p.id)).toEqual(["demo", "vit-resnas", "vision-xformers"]);
  });

  it.each(PRESETS.map((p) => [p.id, p] as const))("%s validates as nas-search/v1", (_id, preset) => {
    const result = validateJob(preset.job);
    expect(result.ok ? [] : result.errors).toEqual([]);
  });

  it("the ViT-ResNAS-like space joins its stages with residual reductions, the X-formers one varies attention", () => {
    const resnas = PRESETS.find((p) => p.id === "vit-resnas")!.job.space;
    expect(resnas.stages.slice(1).every((s) => s.reduction?.includes("residual"))).toBe(true);
    const xformers = PRESETS.find((p) => p.id === "vision-xformers")!.job.space;
    expect(xformers.stages[0]!.attention.length).toBeGreaterThan(3);
  });
});
