// Token-indexed weights held once per token grid (tokenWeights "per-grid"): which copies the super-network declares,
// which one an architecture reads and trains, what extraction and checkpoints keep.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { AttentionSpec, VitArch } from "@vitnas/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extract, initBackend, loadCheckpoint, Supernet, saveCheckpoint, Trainer } from "../src";
import { patternSplit } from "./data";
import { TRAIN_CONFIG, tinyArch, tinySpace } from "./spaces";

const MIXER: AttentionSpec = { type: "mixer", expansion: 0.5 };
const LINFORMER: AttentionSpec = { type: "linformer", k: 4, shareKV: false };
// tinySpace: a 4x4 grid in stage 0 (17 tokens with the class token); stage 1 keeps it or halves it to 2x2 (5).
const space = tinySpace([MIXER, LINFORMER]);

/** tinyArch with stage 1 entered through `reduction` (residual: the 2x2 grid; none: the 4x4 one, width kept). */
function archWith(attention: AttentionSpec, reduction: "none" | "residual"): VitArch {
  const arch = tinyArch(attention);
  arch.stages[1]!.reduction = reduction;
  if (reduction === "none") arch.stages[1]!.width = arch.stages[0]!.width;
  return arch;
}

let dir: string;
beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
  dir = await mkdtemp(join(tmpdir(), "token-weights-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("tokenWeights per-grid", () => {
  it("declares one copy per grid of a stage with two grids, each at its grid's token count; one where there is one grid", () => {
    const net = Supernet.create(space, { seed: 1 });
    const shared = Supernet.create(space, { seed: 1, tokenWeights: "shared" });
    try {
      expect(net.tokenWeights).toBe("per-grid");
      const shape = (n: Supernet, name: string) => n.specs.get(name)?.shape;
      // Stage 1: mixer's token MLP N -> floor(0.5 N) -> N and linformer's E, F [k, N] per grid.
      expect(shape(net, "s1.b0.mixer.g4.w1")).toEqual([17, 8]);
      expect(shape(net, "s1.b0.mixer.g2.w1")).toEqual([5, 2]);
      expect(shape(net, "s1.b1.mixer.g2.b2")).toEqual([5]);
      expect(shape(net, "s1.b0.linformer.g4.e")).toEqual([4, 17]);
      expect(shape(net, "s1.b0.linformer.g2.f")).toEqual([4, 5]);
      expect(net.specs.has("s1.b0.mixer.w1")).toBe(false);
      // Stage 0 has one grid: one copy, named as before.
      expect(shape(net, "s0.b0.mixer.w1")).toEqual([17, 8]);
      expect(net.specs.has("s0.b0.mixer.g4.w1")).toBe(false);
      // Shared: one copy at the largest grid, every other weight the same.
      expect(shape(shared, "s1.b0.mixer.w1")).toEqual([17, 8]);
      expect(shared.specs.has("s1.b0.mixer.g2.w1")).toBe(false);
      const others = (n: Supernet) => [...n.specs.keys()].filter((k) => !/\.(mixer|linformer)\./.test(k));
      expect(others(net)).toEqual(others(shared));
    } finally {
      net.dispose();
      shared.dispose();
    }
  });

  it("an architecture reads and trains the copy of its own grid only", () => {
    const net = Supernet.create(space, { seed: 2 });
    try {
      const images = tf.randomNormal([2, 8, 8, 3], 0, 1, "float32", 3) as tf.Tensor4D;
      for (const [attention, weight] of [
        [MIXER, "mixer.%.w1"],
        [LINFORMER, "linformer.%.e"],
      ] as const) {
        for (const [reduction, own, other] of [
          ["residual", "g2", "g4"],
          ["none", "g4", "g2"],
        ] as const) {
          const arch = archWith(attention, reduction);
          const grads = tf.variableGrads(
            () => tf.sum(tf.square(net.forward([arch], images, [2], { training: true, castlingBranch: 0 }).logits)),
            net.trainableVariables(),
          ).grads;
          const norm = (name: string) => {
            // Gradients are keyed by the variable's name, `supernet<n>/<weight>`.
            const full = `s1.b0.${weight.replace("%", name)}`;
            expect(net.variables.has(full)).toBe(true);
            const g = Object.entries(grads).find(([key]) => key.endsWith(`/${full}`))?.[1];
            return g ? tf.norm(g).dataSync()[0]! : 0;
          };
          expect(norm(own), `${attention.type} ${reduction}`).toBeGreaterThan(0);
          expect(norm(other), `${attention.type} ${reduction}`).toBe(0);
          tf.dispose(Object.values(grads));
        }
      }
      images.dispose();
    } finally {
      net.dispose();
    }
  });

  it("extraction copies the grid's own copy under the standalone name, and the model computes the same logits", () => {
    const net = Supernet.create(space, { seed: 3 });
    try {
      // Make the two copies differ visibly, so reading the wrong one would show.
      net.variables.get("s1.b0.mixer.g2.w1")!.assign(tf.fill([5, 2], 0.25));
      for (const reduction of ["residual", "none"] as const) {
        const arch = archWith(MIXER, reduction);
        const model = extract(net, arch);
        const own = reduction === "residual" ? "g2" : "g4";
        const held = net.variables.get(`s1.b0.mixer.${own}.w1`)!;
        const copied = model.tensors.get("s1.b0.mixer.w1")!;
        const rows = arch.stages[1]!.reduction === "residual" ? 5 : 17;
        expect(copied.shape[0]).toBe(rows);
        const want = tf.slice(held, [0, 0], copied.shape).dataSync();
        expect(Array.from(copied.dataSync())).toEqual(Array.from(want));
        const images = tf.randomNormal([2, 8, 8, 3], 0, 1, "float32", 4) as tf.Tensor4D;
        const a = net.predict(arch, images).dataSync();
        const b = model.predict(images).dataSync();
        for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i]!, 5);
        images.dispose();
        model.dispose();
      }
    } finally {
      net.dispose();
    }
  });

  it("checkpoints keep the layout; one written before the field loads with one copy per weight", async () => {
    const data = patternSplit(8);
    const config = { ...TRAIN_CONFIG, epochs: 2, archsPerStep: 2 };
    for (const tokenWeights of ["per-grid", "shared"] as const) {
      const at = join(dir, tokenWeights);
      const trainer = new Trainer(Supernet.create(space, { seed: 5, tokenWeights }), data, config, { seed: 1 });
      await trainer.trainSteps(1);
      await saveCheckpoint(trainer, at);
      const loaded = await loadCheckpoint(at, data);
      expect(loaded.supernet.tokenWeights).toBe(tokenWeights);
      for (const [name, v] of trainer.supernet.variables) {
        expect(Array.from(loaded.supernet.variables.get(name)!.dataSync()), name).toEqual(Array.from(v.dataSync()));
      }
      for (const t of [trainer, loaded]) {
        t.dispose();
        t.supernet.dispose();
      }
    }
    // Drop the field from the shared checkpoint's manifest, as checkpoints before it were written.
    const manifestFile = join(dir, "shared", "checkpoint.json");
    const manifest = JSON.parse(await readFile(manifestFile, "utf8"));
    expect(manifest.config.tokenWeights).toBe("shared");
    delete manifest.config.tokenWeights;
    await writeFile(manifestFile, JSON.stringify(manifest));
    const old = await loadCheckpoint(join(dir, "shared"), data);
    expect(old.supernet.tokenWeights).toBe("shared");
    expect(old.supernet.specs.has("s1.b0.mixer.w1")).toBe(true);
    old.dispose();
    old.supernet.dispose();
  });
});
