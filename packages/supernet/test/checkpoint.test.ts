// Checkpoints and determinism on `cpu`: N steps, save, load into a fresh trainer, N more steps gives exactly the
// weights of 2N steps without a stop; a damaged or half-written checkpoint never loads wrong.
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend, loadCheckpoint, Supernet, saveCheckpoint, Trainer } from "../src";
import { patternSplit } from "./data";
import { fixedSpace, tinySpace } from "./spaces";

const N = 2;
const data = patternSplit(8);
const config = {
  epochs: 4,
  batchSize: 4,
  archsPerStep: 2,
  learningRate: 2e-3,
  weightDecay: 0.05,
  warmupEpochs: 1,
  candidateWarmupEpochs: 2,
  labelSmoothing: 0.1,
};
let dir: string;

beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
  dir = await mkdtemp(join(tmpdir(), "supernet-checkpoint-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function fresh(seed = 1) {
  return new Trainer(Supernet.create(tinySpace(), { seed: 4 }), data, config, { seed });
}

async function weights(trainer: Trainer): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of trainer.supernet.variables) out.set(name, (await v.data()) as Float32Array);
  return out;
}

function dispose(trainer: Trainer) {
  trainer.dispose();
  trainer.supernet.dispose();
}

describe("checkpoints", () => {
  it("resumes exactly: N steps + save + load + N steps == 2N steps", async () => {
    const straight = fresh();
    const straightLosses = (await straight.trainSteps(2 * N)).map((r) => r.loss);
    const expected = await weights(straight);
    dispose(straight);

    const first = fresh();
    const firstLosses = (await first.trainSteps(N)).map((r) => r.loss);
    await saveCheckpoint(first, dir);
    dispose(first);
    const resumed = await loadCheckpoint(dir, data);
    expect(resumed.step).toBe(N);
    const restLosses = (await resumed.trainSteps(N)).map((r) => r.loss);
    expect([...firstLosses, ...restLosses]).toEqual(straightLosses);
    const actual = await weights(resumed);
    for (const [name, values] of expected) expect(actual.get(name), name).toEqual(values);
    dispose(resumed);
  });

  it("is deterministic for a seed and differs for another", async () => {
    const a = fresh(7);
    const b = fresh(7);
    const c = fresh(8);
    for (const t of [a, b, c]) await t.trainSteps(1);
    const [wa, wb, wc] = await Promise.all([weights(a), weights(b), weights(c)]);
    expect(wa).toEqual(wb);
    expect([...wa].some(([name, values]) => values.some((x, i) => x !== wc.get(name)![i]))).toBe(true);
    for (const t of [a, b, c]) dispose(t);
  });

  it("survives a crash in the middle of a save and refuses a damaged file", async () => {
    const trainer = fresh();
    await trainer.trainSteps(1);
    const at = join(dir, "crash");
    await saveCheckpoint(trainer, at);
    const saved = await weights(trainer);
    // A second save that died after writing part of its binary and a temporary manifest.
    await trainer.trainSteps(1);
    await writeFile(join(at, "tensors-0123456789abcdef.bin"), new Uint8Array(100));
    await writeFile(join(at, "checkpoint.json.tmp-1-dead"), "{ half a manif");
    dispose(trainer);
    const loaded = await loadCheckpoint(at, data);
    expect(loaded.step).toBe(1);
    expect(await weights(loaded)).toEqual(saved);
    dispose(loaded);
    // Damage the binary the manifest names: a clear error, never wrong weights.
    const bin = (await readdir(at)).find((f) => f.startsWith("tensors-") && f !== "tensors-0123456789abcdef.bin")!;
    await writeFile(join(at, bin), new Uint8Array(64));
    await expect(loadCheckpoint(at, data)).rejects.toThrow(/corrupt/);
    await expect(loadCheckpoint(join(dir, "nowhere"), data)).rejects.toThrow(/no readable checkpoint/);
    await expect(loadCheckpoint(dir, patternSplit(12))).rejects.toThrow(/trained on 8 images/);
  });

  it("does not leak tensors from step to step", async () => {
    // One architecture, so the first step already creates every optimizer slot and constant.
    const trainer = new Trainer(
      Supernet.create(fixedSpace({ type: "castling", convKernel: 3 }), { seed: 4 }),
      data,
      config,
      {
        seed: 3,
      },
    );
    await trainer.trainSteps(1);
    const tensors = tf.memory().numTensors;
    await trainer.trainSteps(2);
    expect(tf.memory().numTensors).toBe(tensors);
    dispose(trainer);
  });

  it("stops within one step when aborted", async () => {
    const trainer = fresh();
    const controller = new AbortController();
    const run = trainer.trainSteps(5, { signal: controller.signal, onStep: () => controller.abort() });
    await expect(run).rejects.toMatchObject({ name: "AbortError" });
    expect(trainer.step).toBe(1);
    dispose(trainer);
  });
});
