import { describe, expect, it } from "vitest";
import { countArch, createRng, estimateJob, type NasSearch, sampleArch, validateJob } from "../src";
import { fixture } from "./fixtures";

function job(patch: (doc: ReturnType<typeof fixture>) => void = () => {}): NasSearch {
  const doc = fixture("tiny-job");
  patch(doc);
  const result = validateJob(doc);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

describe("estimateJob", () => {
  it("multiplies the stated counts: training, evaluations and float32 memory", () => {
    const j = job((d) => {
      d.dataset = { kind: "synthetic", train: 1000, val: 200, test: 100 };
      d.supernet = { epochs: 7 };
      d.search = { population: 10, generations: 4 };
    });
    const e = estimateJob(j);
    expect(e.images).toEqual({ train: 1000, val: 200, test: 100 });
    // The defaults: 4 sub-networks read every image (whole batches), 3 passes each, and the teacher's forward pass.
    expect(e.supernetPasses).toBe(13);
    expect(e.trainingMacs).toBe(1000 * 7 * e.largestMacs * 13);
    expect(e.evaluations).toBe(50);
    expect(e.candidateMacs).toBe(e.largestMacs);
    expect(e.evaluationMacs).toBe(50 * 200 * e.largestMacs);
    expect(e.datasetBytes).toBe(1300 * 32 * 32 * 3 * 4);
    expect(e.assumptions).toEqual([]);
  });

  it("adds space shrinking's scoring: its sub-networks x every stage's types, at most the validation split each", () => {
    const shrinking = (attentionShrink: Record<string, unknown>, val = 200) =>
      estimateJob(
        job((d) => {
          d.dataset = { kind: "synthetic", train: 1000, val, test: 100 };
          d.supernet = { epochs: 7, attentionShrink };
          d.search = { population: 10, generations: 4 };
        }),
      );
    const types = job().space.stages.reduce((n, stage) => n + stage.attention.length, 0);
    const plain = estimateJob(job((d) => (d.dataset = { kind: "synthetic", train: 1000, val: 200, test: 100 })));
    expect(plain.shrinkEvaluations).toBe(0);
    const e = shrinking({ epoch: 1, keep: 1, archs: 3, images: 100 });
    expect(e.shrinkEvaluations).toBe(3 * types);
    expect(e.evaluationMacs).toBe(50 * 200 * e.candidateMacs + 3 * types * 100 * e.largestMacs);
    // The defaults (4 sub-networks, 512 images) read no more than the 200 validation images there are.
    const d = shrinking({ epoch: 1, keep: 1 });
    expect(d.shrinkEvaluations).toBe(4 * types);
    expect(d.evaluationMacs).toBe(50 * 200 * d.candidateMacs + 4 * types * 200 * d.largestMacs);
  });

  it("prices a step by the sub-networks that read each image: all on whole batches, one on split ones", () => {
    const passes = (supernet: Record<string, unknown>) =>
      estimateJob(job((d) => (d.supernet = supernet))).supernetPasses;
    expect(passes({ archBatch: "whole", archsPerStep: 4 })).toBe(4 * 3 + 1);
    expect(passes({ archBatch: "whole", archsPerStep: 4, distill: false })).toBe(4 * 3);
    expect(passes({ archBatch: "whole", archsPerStep: 2 })).toBe(2 * 3); // no sandwich below 3, so no teacher
    expect(passes({ archBatch: "split", archsPerStep: 4 })).toBe(3 + 1);
    expect(passes({ archBatch: "split", archsPerStep: 4, sandwich: false })).toBe(3);
    expect(passes({ archBatch: "whole", archsPerStep: 1 })).toBe(3);
  });

  it("adds the final phase's trainings: top x images x epochs x candidate MACs x 3", () => {
    const base = (d: ReturnType<typeof fixture>) => {
      d.dataset = { kind: "synthetic", train: 1000, val: 200, test: 100 };
      d.supernet = { epochs: 8 };
    };
    const without = estimateJob(job(base));
    const finetune = estimateJob(
      job((d) => {
        base(d);
        d.final = { top: 3 };
      }),
    );
    // Fine-tuning defaults to a quarter of the epochs (2), on training + validation images.
    expect(finetune.trainingMacs! - without.trainingMacs!).toBe(3 * 1200 * 2 * finetune.candidateMacs * 3);
    const scratch = estimateJob(
      job((d) => {
        base(d);
        d.final = { top: 2, mode: "scratch", trainOnVal: false };
      }),
    );
    expect(scratch.trainingMacs! - without.trainingMacs!).toBe(2 * 1000 * 8 * scratch.candidateMacs * 3);
  });

  it("prices training at the largest sub-network: no sample of the space costs more", () => {
    const j = job();
    const { largestMacs } = estimateJob(j);
    const rng = createRng(1);
    for (let i = 0; i < 50; i++) expect(countArch(sampleArch(j.space, rng)).macs).toBeLessThanOrEqual(largestMacs);
  });

  it("prices evaluations at the search's MACs maximum when it is below the largest", () => {
    const e = estimateJob(job((d) => (d.search = { constraints: { macs: { max: 1000 } } })));
    expect(e.candidateMacs).toBe(1000);
    expect(e.evaluationMacs).toBe(e.evaluations * e.images.val! * 1000);
  });

  it("assumes the known sizes of cifar10 and idx, and says so; leaves a folder's unknown", () => {
    const cifar = estimateJob(job((d) => (d.dataset = { kind: "cifar10", path: "/d", val: 5000 })));
    expect(cifar.images).toEqual({ train: 45_000, val: 5000, test: 10_000 });
    expect(cifar.assumptions.join()).toMatch(/cifar10: 50000 training and 10000 test/);
    const idx = estimateJob(
      job((d) => {
        d.space.input.channels = 1;
        d.dataset = { kind: "idx", path: "/d", val: 1000 };
      }),
    );
    expect(idx.images).toEqual({ train: 59_000, val: 1000, test: 10_000 });
    expect(idx.datasetBytes).toBe(70_000 * 32 * 32 * 4);
    expect(idx.assumptions.join()).toMatch(/60000 training images and 10000 test images assumed/);
    const stated = estimateJob(
      job((d) => {
        d.space.input.channels = 1;
        d.dataset = { kind: "idx", path: "/d", train: 500, val: 100, test: 50 };
      }),
    );
    expect(stated.assumptions).toEqual([]);
    const folder = estimateJob(job((d) => (d.dataset = { kind: "folder", path: "/d" })));
    expect(folder).toMatchObject({ trainingMacs: null, evaluationMacs: null, datasetBytes: null });
    expect(folder.assumptions.join()).toMatch(/folder/);
  });

  it("stays finite for the schema's largest counts", () => {
    const e = estimateJob(
      job((d) => {
        d.dataset = { kind: "synthetic", train: 10_000_000, val: 10_000_000, test: 10_000_000 };
        d.supernet = { epochs: 10_000 };
        d.search = { population: 100_000, generations: 10_000 };
      }),
    );
    for (const figure of [e.trainingMacs, e.evaluationMacs, e.datasetBytes]) expect(Number.isFinite(figure)).toBe(true);
    expect(e.evaluations).toBe(100_000 * 10_001);
  });
});
