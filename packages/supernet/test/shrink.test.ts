// Space shrinking over attention types: which types a stage keeps, the sampler drawing only those, the scores made
// on the super-network as trained, and checkpoints keeping the decision.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AttentionSpec } from "@vitnas/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ArchSampler,
  chooseTypes,
  initBackend,
  loadCheckpoint,
  loadSupernet,
  narrowSpace,
  Supernet,
  saveCheckpoint,
  shrinkAttention,
  Trainer,
} from "../src";
import { patternSplit } from "./data";
import { ALL_ATTENTION, TRAIN_CONFIG, tinySpace } from "./spaces";

const space = tinySpace();
const typesOf = (arch: { stages: { blocks: { attention: AttentionSpec }[] }[] }, s: number) =>
  arch.stages[s]!.blocks.map((b) => b.attention.type);

let dir: string;
beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
  dir = await mkdtemp(join(tmpdir(), "shrink-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("chooseTypes", () => {
  it("keeps every type when asked for as many or more", () => {
    expect(chooseTypes([{ accuracy: 0.5, macs: 1 }], 1)).toEqual([true]);
    expect(
      chooseTypes(
        [
          { accuracy: 0.5, macs: 1 },
          { accuracy: 0.2, macs: 9 },
        ],
        3,
      ),
    ).toEqual([true, true]);
  });

  it("keeps the most accurate and the cheapest of the stage's front first, then the front by accuracy", () => {
    const scores = [
      { accuracy: 0.6, macs: 10 }, // front, second most accurate
      { accuracy: 0.7, macs: 12 }, // front, most accurate
      { accuracy: 0.3, macs: 5 }, // front, cheapest, least accurate
      { accuracy: 0.65, macs: 13 }, // dominated by the second (more accurate and cheaper)
      { accuracy: 0.5, macs: 8 }, // front
    ];
    expect(chooseTypes(scores, 1)).toEqual([false, true, false, false, false]);
    expect(chooseTypes(scores, 2)).toEqual([false, true, true, false, false]);
    expect(chooseTypes(scores, 3)).toEqual([true, true, true, false, false]);
    // The dominated type comes only after the whole front, though it is more accurate than two front types.
    expect(chooseTypes(scores, 4)).toEqual([true, true, true, false, true]);
    expect(chooseTypes(scores, 5)).toEqual([true, true, true, true, true]);
  });
});

describe("ArchSampler.narrow", () => {
  it("draws only the kept types per stage, and the state carries them", () => {
    const sampler = new ArchSampler(space, 3);
    const kept = [[ALL_ATTENTION[0]!, ALL_ATTENTION[5]!], [ALL_ATTENTION[2]!]];
    for (let i = 0; i < 5; i++) sampler.sample(0);
    sampler.narrow(kept);
    const seen = [new Set<string>(), new Set<string>()];
    for (let i = 0; i < 60; i++) {
      const arch = sampler.sample(1);
      for (const s of [0, 1]) for (const t of typesOf(arch, s)) seen[s]!.add(t);
    }
    expect([...seen[0]!].sort()).toEqual(["mixer", "softmax"]);
    expect([...seen[1]!]).toEqual(["linformer"]);
    expect(sampler.drawSpace.stages[1]!.attention).toEqual([ALL_ATTENTION[2]]);
    expect(sampler.drawSpace.stages[0]!.widths).toEqual(space.stages[0]!.widths);

    const copy = new ArchSampler(space, 99);
    copy.restore(sampler.state());
    expect(copy.narrowed).toBe(true);
    expect(copy.sample(1)).toEqual(sampler.sample(1));
  });

  it("refuses a type the stage does not have, or none", () => {
    const sampler = new ArchSampler(tinySpace([ALL_ATTENTION[0]!, ALL_ATTENTION[1]!]), 1);
    expect(() => sampler.narrow([[ALL_ATTENTION[0]!], [ALL_ATTENTION[4]!]])).toThrow(/fnet.*not in stage 1/);
    expect(() => sampler.narrow([[ALL_ATTENTION[0]!], []])).toThrow(/stage 1 keeps no attention type/);
    expect(() => sampler.narrow([[ALL_ATTENTION[0]!]])).toThrow(/1 type lists for 2 stages/);
    expect(sampler.narrowed).toBe(false);
  });

  it("narrowSpace leaves a space without a decision as it is", () => {
    expect(narrowSpace(space)).toBe(space);
    expect(narrowSpace(space, [[ALL_ATTENTION[1]!], [ALL_ATTENTION[7]!]]).stages.map((s) => s.attention)).toEqual([
      [ALL_ATTENTION[1]],
      [ALL_ATTENTION[7]],
    ]);
  });
});

describe("shrinkAttention", () => {
  const train = patternSplit(32, 8, 4, 1);
  const val = patternSplit(24, 8, 4, 2);
  /** A trainer of tinySpace after its first epoch of `epochs`. */
  const trainedOneEpoch = async (seed: number, epochs: number) => {
    const trainer = new Trainer(Supernet.create(space, { seed }), train, { ...TRAIN_CONFIG, epochs }, { seed });
    await trainer.trainEpoch();
    return trainer;
  };

  it("scores every type of every stage, keeps `keep` of each, narrows the sampler; a checkpoint keeps it", async () => {
    const trainer = await trainedOneEpoch(1, 3);
    try {
      const record = await shrinkAttention(trainer, val, { epoch: 1, keep: 3, archs: 2, images: 16 });
      expect(record.epoch).toBe(1);
      expect(record.step).toBe(trainer.stepsPerEpoch);
      expect(record.stages).toHaveLength(2);
      for (const scores of record.stages) {
        expect(scores.map((t) => t.type)).toEqual(ALL_ATTENTION);
        expect(scores.filter((t) => t.kept)).toHaveLength(3);
        for (const t of scores) {
          expect(t.accuracy).toBeGreaterThanOrEqual(0);
          expect(t.accuracy).toBeLessThanOrEqual(1);
          // Accuracy on 16 images moves in steps of 1/16; two paired sub-networks average two of them.
          expect(Number.isInteger(t.accuracy * 32)).toBe(true);
          expect(t.macs).toBeGreaterThan(0);
        }
        // The kept are what chooseTypes picks from the same scores.
        expect(scores.map((t) => t.kept)).toEqual(chooseTypes(scores, 3));
      }
      // Types differ in cost: the scores are of the type, not of one shared sub-network.
      expect(new Set(record.stages[1]!.map((t) => t.macs)).size).toBeGreaterThan(1);
      const kept = record.stages.map((scores) =>
        scores
          .filter((t) => t.kept)
          .map((t) => t.type.type)
          .sort(),
      );
      expect(trainer.sampler.narrowed).toBe(true);
      const reports = await trainer.trainSteps(4);
      for (const r of reports)
        for (const arch of r.archs)
          for (const s of [0, 1]) for (const t of typesOf(arch, s)) expect(kept[s]).toContain(t);

      await saveCheckpoint(trainer, dir);
      const resumed = await loadCheckpoint(dir, train);
      try {
        expect(resumed.shrink).toEqual(trainer.shrink);
        expect(resumed.sampler.drawSpace).toEqual(trainer.sampler.drawSpace);
        expect(resumed.sampler.sample(1)).toEqual(trainer.sampler.sample(1));
      } finally {
        resumed.supernet.dispose();
        resumed.dispose();
      }
      const loaded = await loadSupernet(dir);
      loaded.supernet.dispose();
      expect(loaded.attention?.map((types) => types.map((t) => t.type).sort())).toEqual(kept);
      expect(loaded.shrink).toEqual(trainer.shrink);
    } finally {
      trainer.supernet.dispose();
      trainer.dispose();
    }
  });

  it("is the same decision from the same weights (a resume that lost it makes it again)", async () => {
    const run = async () => {
      const trainer = await trainedOneEpoch(4, 2);
      try {
        return await shrinkAttention(trainer, val, { epoch: 1, keep: 2, archs: 2, images: 16 });
      } finally {
        trainer.supernet.dispose();
        trainer.dispose();
      }
    };
    expect(await run()).toEqual(await run());
  });
});
