// Per-type blocks (`attentionWeights: "per-type-block"`): each attention type of a block owns the whole block (its
// norms, q/k/v and output projection, MLP), so sub-networks that differ in a block's type share none of its weights.
// Architectures read them by their standalone names, extraction copies the right block, re-ordering keeps every
// type's function, checkpoints keep the ownership, and a step trains only the blocks of the types it ran.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { countArch } from "@vitnas/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extract, initBackend, loadCheckpoint, rewire, Supernet, saveCheckpoint, Trainer } from "../src";
import { ownedName } from "../src/space";
import { patternSplit } from "./data";
import { largestOfType, maxDiff, OWNER_CONFIG, perturbed } from "./owners";
import { ALL_ATTENTION, tinyArch, tinySpace } from "./spaces";

let net: Supernet;
let images: tf.Tensor4D;
let dir: string;

beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
  net = perturbed(Supernet.create(tinySpace(), { seed: 11, attentionWeights: "per-type-block" }));
  images = tf.tensor4d(patternSplit(3).images, [3, 8, 8, 3]);
  dir = await mkdtemp(join(tmpdir(), "supernet-per-type-block-"));
});
afterAll(async () => {
  net.dispose();
  images.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe("per-type blocks", () => {
  it("holds norms and an MLP for every type of a block, projections for the types with q/k/v, nothing shared", () => {
    for (const { type } of ALL_ATTENTION) {
      for (const layer of ["ln1.g", "ln2.b", "mlp1.w", "mlp2.b"])
        expect(net.variables.has(`s1.b1.${type}.${layer}`), `${type} ${layer}`).toBe(true);
      expect(net.variables.has(`s1.b1.${type}.qkv.w`), type).toBe(type !== "fnet" && type !== "mixer");
    }
    for (const layer of ["ln1.g", "mlp1.w", "qkv.w", "proj.w"]) expect(net.variables.has(`s1.b1.${layer}`)).toBe(false);
    const shared = Supernet.create(tinySpace(), { seed: 11 });
    try {
      // Outside the blocks (stem, positions, reductions, head) the two hold the same weights.
      const outside = (s: Supernet) => [...s.variables].filter(([n]) => !/^s\d+\.b\d+\./.test(n)).map(([n]) => n);
      expect(outside(net)).toEqual(outside(shared));
      expect(net.paramCount()).toBeGreaterThan(shared.paramCount());
    } finally {
      shared.dispose();
    }
  });

  it("maps every layer of a standalone block onto its type's owner, and extras unchanged", () => {
    const arch = tinyArch(ALL_ATTENTION[1]!);
    const type = arch.stages[0]!.blocks[0]!.attention.type;
    for (const layer of ["ln1.g", "qkv.w", "proj.b", "ln2.g", "mlp1.w", "mlp2.b"])
      expect(ownedName(`s0.b0.${layer}`, arch, "per-type-block")).toBe(`s0.b0.${type}.${layer}`);
    expect(ownedName(`s0.b0.${type}.features`, arch, "per-type-block")).toBe(`s0.b0.${type}.features`);
    expect(ownedName("head.w", arch, "per-type-block")).toBe("head.w");
  });

  it.each(ALL_ATTENTION.map((spec) => [spec.type, spec] as const))(
    "extracts %s with standalone names, the same logits and the counter's parameters",
    async (_, spec) => {
      // A block of another type in the stage, so a wrong owner would be read.
      const arch = tinyArch(spec);
      arch.stages[1]!.blocks[1]!.attention = spec.type === "softmax" ? ALL_ATTENTION[1]! : ALL_ATTENTION[0]!;
      const model = extract(net, arch);
      try {
        expect([...model.tensors.keys()].some((n) => n.startsWith(`s0.b0.${spec.type}.mlp1`))).toBe(false);
        expect(model.paramCount()).toBe(countArch(arch).params);
        const fromSupernet = await net.predict(arch, images).data();
        expect(maxDiff(fromSupernet, await model.predict(images).data())).toBeLessThan(1e-5);
      } finally {
        model.dispose();
      }
    },
  );

  it("re-orders each type's MLP and heads on its own, keeping every type's largest sub-network", async () => {
    const before = await Promise.all(ALL_ATTENTION.map((spec) => net.predict(largestOfType(spec), images).data()));
    const mlp = await net.variables.get("s0.b0.softmax.mlp1.w")!.data();
    rewire(net);
    expect(maxDiff(mlp, await net.variables.get("s0.b0.softmax.mlp1.w")!.data())).toBeGreaterThan(0);
    const after = await Promise.all(ALL_ATTENTION.map((spec) => net.predict(largestOfType(spec), images).data()));
    for (const [i, spec] of ALL_ATTENTION.entries()) {
      expect(maxDiff(before[i]!, after[i]!), spec.type).toBeLessThan(1e-4);
    }
  });

  it("trains only the blocks of the types a step ran, and keeps the ownership in checkpoints", async () => {
    const recipe = { ...OWNER_CONFIG, attentionWeights: "per-type-block" as const };
    const trainer = new Trainer(
      Supernet.create(tinySpace(), { seed: 3, attentionWeights: "per-type-block" }),
      patternSplit(8),
      recipe,
      { seed: 1, arch: largestOfType(ALL_ATTENTION[0]!) },
    );
    try {
      const snapshot = async (name: string) => (await trainer.supernet.variables.get(name)!.data()) as Float32Array;
      const ran = await snapshot("s0.b0.softmax.mlp1.w");
      const idle = await snapshot("s0.b0.fnet.mlp1.w");
      await trainer.trainSteps(2);
      expect(maxDiff(ran, await snapshot("s0.b0.softmax.mlp1.w"))).toBeGreaterThan(0);
      expect(maxDiff(idle, await snapshot("s0.b0.fnet.mlp1.w"))).toBe(0);
      await saveCheckpoint(trainer, join(dir, "ckpt"));
      const loaded = await loadCheckpoint(join(dir, "ckpt"), patternSplit(8));
      try {
        expect(loaded.supernet.attentionWeights).toBe("per-type-block");
        expect(
          maxDiff(
            await snapshot("s0.b0.softmax.mlp1.w"),
            await loaded.supernet.variables.get("s0.b0.softmax.mlp1.w")!.data(),
          ),
        ).toBe(0);
      } finally {
        loaded.dispose();
        loaded.supernet.dispose();
      }
    } finally {
      trainer.dispose();
      trainer.supernet.dispose();
    }
  });
});
