// The cifar100, npz and uploaded dataset kinds: defaults, the space they must match, and their options' bounds.
import { describe, expect, it } from "vitest";
import { type NasSearch, validateJob } from "../src";
import { fixture } from "./fixtures";

const withDataset = (dataset: unknown, input?: Record<string, number>) => {
  const job = structuredClone(fixture("tiny-job")) as { dataset: unknown; space: { input: Record<string, number> } };
  job.dataset = dataset;
  if (input) Object.assign(job.space.input, input);
  return validateJob(job);
};
const issues = (result: ReturnType<typeof validateJob>) =>
  result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);
const ID = "0b6f3c36-5c1a-4c58-9d0e-7a1f5d3f2a10";

describe("dataset kinds", () => {
  it("cifar100: fine labels by default, 100 or 20 classes of 32x32x3", () => {
    const fine = withDataset({ kind: "cifar100", path: "/data/c100" }, { classes: 100, imageSize: 32, channels: 3 });
    expect(fine.ok && (fine.value as NasSearch).dataset).toEqual({
      kind: "cifar100",
      path: "/data/c100",
      labels: "fine",
      val: 1000,
      test: 1000,
      seed: 0,
    });
    expect(
      issues(
        withDataset({ kind: "cifar100", path: "/d", labels: "coarse" }, { classes: 100, imageSize: 32, channels: 3 }),
      ),
    ).toEqual(["space.input.classes: must be 20 for a cifar100 dataset with coarse labels (is 100)"]);
    expect(issues(withDataset({ kind: "cifar100", path: "/d", labels: "medium" }))[0]).toMatch(/^dataset\.labels/);
  });

  it("npz: the space's image size by default, 1 or 3 channels", () => {
    const job = withDataset({ kind: "npz", path: "/data/mnist.npz" });
    expect(job.ok && (job.value as NasSearch).dataset).toMatchObject({ kind: "npz", val: 1000, seed: 0 });
    expect(issues(withDataset({ kind: "npz", path: "/d" }, { channels: 4 }))).toContain(
      "space.input.channels: must be 1 or 3 for an npz dataset (is 4)",
    );
  });

  it("uploaded: an id, split options left to the detected kind, the digest and kind as the service sets them", () => {
    const job = withDataset({ kind: "uploaded", id: ID, val: 0.25 });
    expect(job.ok && (job.value as NasSearch).dataset).toEqual({
      kind: "uploaded",
      id: ID,
      val: 0.25,
      imageSize: 32,
      seed: 0,
    });
    expect(issues(withDataset({ kind: "uploaded", id: "not-an-id" }))[0]).toMatch(/^dataset\.id/);
    expect(issues(withDataset({ kind: "uploaded", id: ID, sha256: "abc" }))[0]).toMatch(/^dataset\.sha256/);
    const resolved = withDataset({ kind: "uploaded", id: ID, sha256: "a".repeat(64), format: "npz" });
    expect(resolved.ok).toBe(true);
  });
});
