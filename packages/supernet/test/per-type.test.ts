// Per-type attention weights: each attention type of a block owns its q/k/v and output projection; architectures
// read them by their standalone names, extraction copies the right set, re-ordering keeps every type's function,
// checkpoints keep the ownership, and a step trains only the projections of the types it ran.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { countArch, type VitArch } from "@vitnas/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extract, initBackend, largestSubnet, loadCheckpoint, rewire, Supernet, saveCheckpoint, Trainer } from "../src";
import { patternSplit } from "./data";
import { largestOfType, maxDiff, OWNER_CONFIG, perturbed } from "./owners";
import { ALL_ATTENTION, tinyArch, tinySpace } from "./spaces";

const QKV_TYPES = ALL_ATTENTION.filter((a) => a.type !== "fnet" && a.type !== "mixer").map((a) => a.type);
let net: Supernet;
let images: tf.Tensor4D;
let dir: string;

beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
  net = perturbed(Supernet.create(tinySpace(), { seed: 11, attentionWeights: "per-type" }));
  images = tf.tensor4d(patternSplit(3).images, [3, 8, 8, 3]);
  dir = await mkdtemp(join(tmpdir(), "supernet-per-type-"));
});
afterAll(async () => {
  net.dispose();
  images.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe("per-type attention weights", () => {
  it("holds one projection set per type that has q/k/v, per block, and none shared", () => {
    for (const type of QKV_TYPES) expect(net.variables.has(`s1.b1.${type}.qkv.w`), type).toBe(true);
    expect(net.variables.has("s1.b1.fnet.qkv.w")).toBe(false);
    expect(net.variables.has("s1.b1.qkv.w")).toBe(false);
    const shared = Supernet.create(tinySpace(), { seed: 11 });
    try {
      // Six types' projections against one: the rest of the network is the same.
      const projections = (s: Supernet) =>
        [...s.variables].filter(([n]) => /\.(qkv|proj)\.[wb]$/.test(n)).reduce((k, [, v]) => k + v.size, 0);
      expect(projections(net)).toBe(QKV_TYPES.length * projections(shared));
      expect(net.paramCount() - projections(net)).toBe(shared.paramCount() - projections(shared));
    } finally {
      shared.dispose();
    }
  });

  it("gives two types of one block different functions from different weights", async () => {
    const a = await net.predict(largestOfType(ALL_ATTENTION[0]!), images).data();
    const b = await net.predict(largestOfType(ALL_ATTENTION[7]!), images).data();
    expect(maxDiff(a, b)).toBeGreaterThan(1e-3);
  });

  it.each(ALL_ATTENTION.map((spec) => [spec.type, spec] as const))(
    "extracts %s with standalone names, the same logits and the counter's parameters",
    async (_, spec) => {
      // A block of another type in the stage, so a wrong owner would be read.
      const arch = tinyArch(spec);
      arch.stages[1]!.blocks[1]!.attention = spec.type === "softmax" ? ALL_ATTENTION[1]! : ALL_ATTENTION[0]!;
      const model = extract(net, arch);
      try {
        expect([...model.tensors.keys()].filter((n) => /\.(qkv|proj)\./.test(n))).toEqual(
          [...model.tensors.keys()].filter((n) => /^s\d+\.b\d+\.(qkv|proj)\.[wb]$/.test(n)),
        );
        expect(model.paramCount()).toBe(countArch(arch).params);
        const fromSupernet = await net.predict(arch, images).data();
        expect(maxDiff(fromSupernet, await model.predict(images).data())).toBeLessThan(1e-5);
      } finally {
        model.dispose();
      }
    },
  );

  it("re-orders each type's heads on its own, keeping every type's largest sub-network", async () => {
    const before = await Promise.all(ALL_ATTENTION.map((spec) => net.predict(largestOfType(spec), images).data()));
    rewire(net);
    const after = await Promise.all(ALL_ATTENTION.map((spec) => net.predict(largestOfType(spec), images).data()));
    for (const [i, spec] of ALL_ATTENTION.entries()) {
      expect(maxDiff(before[i]!, after[i]!), spec.type).toBeLessThan(1e-4);
    }
  });

  it("trains only the projections of the types a step ran", async () => {
    const trainer = new Trainer(
      Supernet.create(tinySpace(), { seed: 3, attentionWeights: "per-type" }),
      patternSplit(8),
      OWNER_CONFIG,
      {
        seed: 1,
        arch: largestOfType(ALL_ATTENTION[0]!),
      },
    );
    try {
      const snapshot = async (name: string) => (await trainer.supernet.variables.get(name)!.data()) as Float32Array;
      const softmax = await snapshot("s0.b0.softmax.qkv.w");
      const xnorm = await snapshot("s0.b0.xnorm.qkv.w");
      await trainer.trainSteps(2);
      expect(maxDiff(softmax, await snapshot("s0.b0.softmax.qkv.w"))).toBeGreaterThan(0);
      expect(maxDiff(xnorm, await snapshot("s0.b0.xnorm.qkv.w"))).toBe(0);
    } finally {
      trainer.dispose();
      trainer.supernet.dispose();
    }
  });

  it("keeps the ownership in checkpoints; a checkpoint that does not record it holds shared weights", async () => {
    const data = patternSplit(8);
    const recipe = { ...OWNER_CONFIG, archsPerStep: 2, attentionWeights: "per-type" as const };
    const trainer = new Trainer(Supernet.create(tinySpace(), { seed: 3, attentionWeights: "per-type" }), data, recipe, {
      seed: 2,
    });
    await trainer.trainSteps(1);
    await saveCheckpoint(trainer, join(dir, "per-type"));
    const loaded = await loadCheckpoint(join(dir, "per-type"), data);
    expect(loaded.supernet.attentionWeights).toBe("per-type");
    expect(loaded.supernet.variables.has("s0.b0.castling.qkv.w")).toBe(true);
    for (const t of [trainer, loaded]) {
      t.dispose();
      t.supernet.dispose();
    }

    const old = new Trainer(
      Supernet.create(tinySpace(), { seed: 3 }),
      data,
      { ...OWNER_CONFIG, archsPerStep: 2 },
      { seed: 2 },
    );
    await old.trainSteps(1);
    await saveCheckpoint(old, join(dir, "old"));
    const manifest = JSON.parse(await readFile(join(dir, "old", "checkpoint.json"), "utf8"));
    // Saved now, it records the ownership its weights have; one from before the field had none.
    expect(manifest.config.attentionWeights).toBe("shared");
    delete manifest.config.attentionWeights;
    await writeFile(join(dir, "old", "checkpoint.json"), JSON.stringify(manifest));
    const resumed = await loadCheckpoint(join(dir, "old"), data);
    expect(resumed.supernet.attentionWeights).toBe("shared");
    expect(resumed.supernet.variables.has("s0.b0.qkv.w")).toBe(true);
    for (const t of [old, resumed]) {
      t.dispose();
      t.supernet.dispose();
    }
  });
});

describe("the sandwich rule and in-place distillation", () => {
  const space = tinySpace();
  const recipe = { ...OWNER_CONFIG, archsPerStep: 3, candidateWarmupEpochs: 0, sandwich: true };
  const sizes = (arch: VitArch) =>
    arch.stages.map((s) => [s.width, s.blocks.length, ...s.blocks.flatMap((b) => [b.heads, b.mlpHidden])]);

  it("trains the largest and the smallest sub-network in every step, then sampled ones", async () => {
    const trainer = new Trainer(Supernet.create(space, { seed: 3 }), patternSplit(8), recipe, { seed: 1 });
    try {
      const reports = await trainer.trainSteps(3);
      const largestSizes = sizes(largestSubnet(space));
      for (const r of reports) {
        expect(r.archs).toHaveLength(3);
        expect(sizes(r.archs[0]!)).toEqual(largestSizes);
        expect(r.archs[1]!.stages.map((s) => [s.width, s.blocks.length])).toEqual([
          [16, 1],
          [24, 1],
        ]);
        expect(r.archs[1]!.stages.flatMap((s) => s.blocks.map((b) => [b.heads, b.mlpHidden]))).toEqual([
          [1, 16],
          [2, 32],
        ]);
      }
      // Attention types still come from their banks: the largest sub-network is not always the same network.
      const types = new Set(reports.map((r) => r.archs[0]!.stages[0]!.blocks[0]!.attention.type));
      expect(types.size).toBeGreaterThan(1);
    } finally {
      trainer.dispose();
      trainer.supernet.dispose();
    }
  });

  it("does not apply below three sub-networks per step", () => {
    const trainer = new Trainer(
      Supernet.create(space, { seed: 3 }),
      patternSplit(8),
      { ...recipe, archsPerStep: 2 },
      { seed: 1 },
    );
    expect(trainer.sandwiches()).toBe(false);
    trainer.supernet.dispose();
  });

  it("distils: the same step with the largest sub-network's predictions as part of the targets trains otherwise", async () => {
    const run = async (distill: boolean) => {
      const trainer = new Trainer(
        Supernet.create(space, { seed: 3 }),
        patternSplit(8),
        { ...recipe, distill },
        { seed: 1 },
      );
      try {
        const [report] = await trainer.trainSteps(1);
        return { loss: report!.loss, w: (await trainer.supernet.variables.get("head.w")!.data()) as Float32Array };
      } finally {
        trainer.dispose();
        trainer.supernet.dispose();
      }
    };
    const plain = await run(false);
    const distilled = await run(true);
    // Same archs and images; only the targets of the non-largest sub-batches differ.
    expect(Math.abs(plain.loss - distilled.loss)).toBeGreaterThan(1e-4);
    expect(maxDiff(plain.w, distilled.w)).toBeGreaterThan(0);
    expect(Number.isFinite(distilled.loss)).toBe(true);
  });
});
