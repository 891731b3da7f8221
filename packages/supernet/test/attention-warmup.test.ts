// The attention warm-up (`attentionWarmupEpochs`): its epochs run every block's first attention type alone; at its
// end every other type's own layers (and their AdamW state) start from the first type's, extras keep their own, and
// a run resumed across the end matches one that was not interrupted.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ArchSampler,
  forkAttentionTypes,
  initBackend,
  loadCheckpoint,
  Supernet,
  saveCheckpoint,
  Trainer,
} from "../src";
import type { AttentionWeights } from "../src/space";
import { patternSplit } from "./data";
import { maxDiff, OWNER_CONFIG } from "./owners";
import { ALL_ATTENTION, tinySpace } from "./spaces";

// Two steps per epoch (8 images, batch 4); three sub-networks a step, so every type runs soon after the warm-up.
const RECIPE = { ...OWNER_CONFIG, epochs: 3, archsPerStep: 3, sandwich: false, attentionWarmupEpochs: 1 };
const data = () => patternSplit(8);
const types = (arch: { stages: { blocks: { attention: { type: string } }[] }[] }) =>
  arch.stages.flatMap((stage) => stage.blocks.map((b) => b.attention.type));

let dir: string;
beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
  dir = await mkdtemp(join(tmpdir(), "attention-warmup-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function trainer(attentionWeights: AttentionWeights, seed = 4) {
  return new Trainer(Supernet.create(tinySpace(), { seed, attentionWeights }), data(), RECIPE, { seed });
}
function close(t: Trainer) {
  t.dispose();
  t.supernet.dispose();
}
const read = async (t: Trainer, name: string) => (await t.supernet.variables.get(name)!.data()) as Float32Array;

describe("attention warm-up", () => {
  it("samples only the first attention type during its epochs, then every type", () => {
    const sampler = new ArchSampler(tinySpace(), 1, 0, 2);
    for (const epoch of [0, 1]) {
      for (let i = 0; i < 20; i++) expect(new Set(types(sampler.sample(epoch)))).toEqual(new Set(["softmax"]));
    }
    const later = new Set(Array.from({ length: 20 }, () => types(sampler.sample(2))).flat());
    expect(later).toEqual(new Set(ALL_ATTENTION.map((a) => a.type)));
  });

  it("starts every type's own block from the first type's at its end, moments included, extras untouched", async () => {
    const t = trainer("per-type-block");
    try {
      const features = await read(t, "s0.b0.performer.features");
      const reports = await t.trainSteps(1);
      expect(new Set(reports.flatMap((r) => r.archs.flatMap(types)))).toEqual(new Set(["softmax"]));
      // Before the end, the other types are as they started: distinct from the trained first type.
      expect(maxDiff(await read(t, "s0.b0.softmax.mlp1.w"), await read(t, "s0.b0.mixer.mlp1.w"))).toBeGreaterThan(0);
      await t.trainSteps(1);
      for (const { type } of ALL_ATTENTION.slice(1)) {
        for (const layer of ["ln1.g", "ln2.b", "mlp1.w", "mlp2.b"]) {
          const name = `s1.b1.${type}.${layer}`;
          expect(maxDiff(await read(t, `s1.b1.softmax.${layer}`), await read(t, name)), name).toBe(0);
          const [from, to] = [t.optimizer.slots.get(`s1.b1.softmax.${layer}`)!, t.optimizer.slots.get(name)!];
          expect(to.t, name).toBe(from.t);
          expect(maxDiff(await from.m.data(), await to.m.data()), name).toBe(0);
        }
        if (type !== "fnet" && type !== "mixer")
          expect(maxDiff(await read(t, "s0.b0.softmax.qkv.w"), await read(t, `s0.b0.${type}.qkv.w`))).toBe(0);
      }
      expect(maxDiff(features, await read(t, "s0.b0.performer.features"))).toBe(0);
      // Then the types train apart.
      await t.trainSteps(2);
      expect(maxDiff(await read(t, "s0.b0.softmax.mlp1.w"), await read(t, "s0.b0.xnorm.mlp1.w"))).toBeGreaterThan(0);
    } finally {
      close(t);
    }
  });

  it("copies only the projections with per-type q/k/v, and nothing with shared weights", async () => {
    const perType = Supernet.create(tinySpace(), { seed: 2, attentionWeights: "per-type" });
    const shared = Supernet.create(tinySpace(), { seed: 2 });
    try {
      const written = forkAttentionTypes(perType);
      expect(new Set(written.map((n) => n.replace(/^s\d+\.b\d+\.\w+\./, "")))).toEqual(
        new Set(["qkv.w", "qkv.b", "proj.w", "proj.b"]),
      );
      expect(written).toContain("s1.b1.castling.qkv.w");
      expect(written.some((n) => n.startsWith("s0.b0.softmax."))).toBe(false);
      expect(forkAttentionTypes(shared)).toEqual([]);
    } finally {
      perType.dispose();
      shared.dispose();
    }
  });

  it("resumes across its end as if never stopped", async () => {
    const straight = trainer("per-type-block", 9);
    const first = trainer("per-type-block", 9);
    try {
      await straight.trainSteps(4);
      await first.trainSteps(1);
      await saveCheckpoint(first, join(dir, "ckpt"));
      const resumed = await loadCheckpoint(join(dir, "ckpt"), data());
      try {
        expect(resumed.config.attentionWarmupEpochs).toBe(1);
        await resumed.trainSteps(3);
        for (const name of ["s0.b0.softmax.mlp1.w", "s1.b0.nystrom.qkv.w", "s1.b1.fnet.ln2.g"])
          expect(maxDiff(await read(straight, name), await read(resumed, name)), name).toBeLessThan(1e-6);
      } finally {
        close(resumed);
      }
    } finally {
      close(straight);
      close(first);
    }
  });
});
