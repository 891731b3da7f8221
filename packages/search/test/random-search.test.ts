import { readFileSync } from "node:fs";
import { join } from "node:path";
import { archHash, countArch, validateJob } from "@vitnas/formats";
import { describe, expect, it } from "vitest";
import { randomArchs } from "../src/random-search";

const job = validateJob(
  JSON.parse(readFileSync(join(import.meta.dirname, "../../../examples/fashion-mnist.json"), "utf8")),
);
if (!job.ok) throw new Error(JSON.stringify(job.errors));
const { space } = job.value;

describe("randomArchs", () => {
  it("draws distinct architectures meeting the constraints, the same for a seed", () => {
    const max = 3_000_000;
    const archs = randomArchs(space, { macs: { max } }, 40, 3);
    expect(archs).toHaveLength(40);
    expect(new Set(archs.map(archHash)).size).toBe(40);
    for (const a of archs) expect(countArch(a).macs).toBeLessThanOrEqual(max);
    expect(randomArchs(space, { macs: { max } }, 40, 3).map(archHash)).toEqual(archs.map(archHash));
    expect(randomArchs(space, { macs: { max } }, 40, 4).map(archHash)).not.toEqual(archs.map(archHash));
  });

  it("returns fewer when no draw meets the constraints", () => {
    expect(randomArchs(space, { macs: { max: 1 } }, 5, 1)).toEqual([]);
  });
});
