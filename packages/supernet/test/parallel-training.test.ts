// Data-parallel training on `cpu`: a step shared between two threads has the one-thread step's loss, gradients and
// batch statistics; steps give the one-thread weights (batch-norm statistics and optimizer moments included), for
// sampled sub-networks with the sandwich rule and in-place distillation, across a re-ordering, and for one fixed
// architecture; checkpoints do not care how many threads trained; nothing leaks and the threads stop with the
// trainer.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ArchSampler,
  initBackend,
  largestSubnet,
  loadCheckpoint,
  Supernet,
  saveCheckpoint,
  smallestSubnet,
  type TrainConfig,
  Trainer,
} from "../src";
import { variableGrads } from "../src/backward";
import { TrainingThreads } from "../src/parallel/training";
import { patternSplit } from "./data";
import { ALL_ATTENTION, fixedSpace, tinyArch, tinySpace } from "./spaces";

/**
 * Attention types without weights whose gradient is zero analytically: softmax's (and nystrom's) key bias shifts
 * every logit of a row alike, which softmax ignores, and the mixer's output bias is one constant per token, which
 * the next LayerNorm removes. Their gradients are rounding noise, which AdamW scales up to steps of up to a few
 * hundredths of the learning rate in any run, one thread or several: no weight comparison can hold them to 1e-4.
 * The gradient test below covers those types.
 */
const STEADY = ALL_ATTENTION.filter((a) => !["softmax", "nystrom", "mixer"].includes(a.type));

const data = patternSplit(16);
/** 2 steps per epoch; the candidate warm-up's re-ordering runs after step 2. */
const sandwich: TrainConfig = {
  epochs: 4,
  batchSize: 8,
  archsPerStep: 4,
  learningRate: 2e-3,
  weightDecay: 0.05,
  warmupEpochs: 1,
  candidateWarmupEpochs: 1,
  labelSmoothing: 0.1,
  sandwich: true,
  distill: true,
  attentionWeights: "per-type",
};
let dir: string;

beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
  dir = await mkdtemp(join(tmpdir(), "supernet-parallel-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function trainer(threads: number, config = sandwich, options: { arch?: ReturnType<typeof tinyArch> } = {}) {
  return new Trainer(Supernet.create(tinySpace(STEADY), { seed: 4, attentionWeights: "per-type" }), data, config, {
    seed: 3,
    threads,
    ...options,
  });
}

async function state(t: Trainer): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of t.supernet.variables) out.set(`w/${name}`, (await v.data()) as Float32Array);
  for (const [name, slot] of t.optimizer.slots) {
    out.set(`m/${name}`, (await slot.m.data()) as Float32Array);
    out.set(`v/${name}`, (await slot.v.data()) as Float32Array);
  }
  return out;
}

/** Every tensor within `tolerance` of the other's largest magnitude; the same tensors on both sides. */
function expectClose(actual: Map<string, Float32Array>, expected: Map<string, Float32Array>, tolerance = 1e-4) {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [name, want] of expected) {
    const got = actual.get(name)!;
    const scale = want.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    const worst = want.reduce((m, x, i) => Math.max(m, Math.abs(x - got[i]!)), 0);
    expect(worst, name).toBeLessThanOrEqual(tolerance * scale);
  }
}

function dispose(t: Trainer) {
  t.dispose();
  t.supernet.dispose();
}

// Each test starts threads on the `cpu` backend: minutes when the suite shares a 2-core machine with itself.
describe("training on two threads", { timeout: 900_000 }, () => {
  it("sums the threads' gradients to the one-thread gradients, every attention type", async () => {
    const net = Supernet.create(tinySpace(), { seed: 4, attentionWeights: "per-type" });
    const sampler = new ArchSampler(net.space, 5);
    const archs = [largestSubnet(net.space), smallestSubnet(net.space), sampler.sample(9), sampler.sample(9)];
    const sizes = [2, 2, 2, 2];
    const images = tf.tensor4d(data.images.slice(0, 8 * 8 * 8 * 3), [8, 8, 8, 3]);
    const target = tf.softmax(tf.randomNormal([8, 4], 0, 1, "float32", 2)) as tf.Tensor2D;
    const forward = { training: true, castlingBranch: 0.5 };
    let stats: { mean: tf.Tensor; variance: tf.Tensor }[] = [];
    const one = variableGrads(() => {
      const out = net.forward(archs, images, sizes, forward);
      stats = out.stats.map((s) => ({ mean: tf.keep(s.mean), variance: tf.keep(s.variance) }));
      return tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(out.logits)), 1))) as tf.Scalar;
    }, net.trainableVariables());
    const threads = new TrainingThreads(net, 2);
    const two = await threads.gradients(archs, sizes, images, target, forward);
    expect(two.value.dataSync()[0]).toBeCloseTo(one.value.dataSync()[0]!, 5);
    // Every weight some sub-network read, the stem's included (its gradient went through the threads' features).
    expect(Object.keys(two.grads).sort()).toEqual(Object.keys(one.grads).sort());
    expect(Object.keys(two.grads).some((n) => n.endsWith("stem.0.w"))).toBe(true);
    const all = (xs: Record<string, tf.Tensor>) => Object.values(xs).map((g) => g.dataSync() as Float32Array);
    const largest = Math.max(...all(one.grads).map((g) => g.reduce((m, x) => Math.max(m, Math.abs(x)), 0)));
    for (const [name, g] of Object.entries(one.grads)) {
      const want = g.dataSync() as Float32Array;
      const got = two.grads[name]!.dataSync() as Float32Array;
      const scale = want.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      const worst = want.reduce((m, x, i) => Math.max(m, Math.abs(x - got[i]!)), 0);
      // Relative to the tensor, and to the step's largest gradient for gradients that are zero analytically.
      expect(worst, name).toBeLessThanOrEqual(1e-4 * scale + 1e-6 * largest);
    }
    two.stats.forEach((s, i) => {
      expect(Array.from(s.mean.dataSync())).toEqual(Array.from(stats[i]!.mean.dataSync()));
      expect(Array.from(s.variance.dataSync())).toEqual(Array.from(stats[i]!.variance.dataSync()));
    });
    tf.dispose([one.value, two.value, ...Object.values(one.grads), ...Object.values(two.grads)]);
    tf.dispose([...stats, ...two.stats].flatMap((s) => [s.mean, s.variance]));
    tf.dispose([images, target]);
    await threads.dispose();
    net.dispose();
  });

  it("gives the one-thread weights with the sandwich rule, distillation and a re-ordering", async () => {
    const one = trainer(1);
    const two = trainer(2);
    expect(one.sandwiches()).toBe(true);
    const steps = 4;
    const a = await one.trainSteps(steps);
    const b = await two.trainSteps(steps);
    expect(b.map((r) => r.archs)).toEqual(a.map((r) => r.archs));
    b.forEach((r, i) => {
      expect(r.loss).toBeCloseTo(a[i]!.loss, 5);
    });
    const expected = await state(one);
    // The steps changed the weights: a comparison of untrained weights would prove nothing.
    const initial = await state(trainer(1));
    expect([...expected].some(([name, w]) => w.some((x, i) => x !== initial.get(name)?.[i]))).toBe(true);
    expectClose(await state(two), expected);
    // Batch-norm running statistics are variables, so they were compared: the stem saw the whole batch.
    expect(expected.has("w/stem.0.bn.mean")).toBe(true);
    dispose(one);
    dispose(two);
  });

  it("gives the one-thread weights for one fixed architecture, its batch split between the threads", async () => {
    const config = { ...sandwich, archsPerStep: 1, sandwich: false, distill: false };
    const arch = tinyArch({ type: "castling", convKernel: 3 });
    const one = trainer(1, config, { arch });
    const two = trainer(3, config, { arch });
    await one.trainSteps(3);
    await two.trainSteps(3);
    expectClose(await state(two), await state(one));
    dispose(one);
    dispose(two);
  });

  it("resumes a checkpoint written with two threads on one, to the weights of one thread throughout", async () => {
    const straight = trainer(1);
    await straight.trainSteps(4);
    const expected = await state(straight);
    dispose(straight);

    const first = trainer(2);
    await first.trainSteps(2);
    await saveCheckpoint(first, dir);
    dispose(first);
    const manifest = JSON.parse(await readFile(join(dir, "checkpoint.json"), "utf8"));
    expect(manifest.trainer).not.toHaveProperty("threads");
    const resumed = await loadCheckpoint(dir, data);
    expect(resumed.parallel).toBeUndefined();
    await resumed.trainSteps(2);
    expectClose(await state(resumed), expected);
    dispose(resumed);
    const again = await loadCheckpoint(dir, data, { threads: 2 });
    expect(again.parallel?.threads).toBe(2);
    dispose(again);
  });

  it("leaks no tensors in either thread and stops its threads when disposed", async () => {
    const t = new Trainer(
      Supernet.create(fixedSpace({ type: "castling", convKernel: 3 }), { seed: 4 }),
      data,
      { ...sandwich, archsPerStep: 2, sandwich: false, distill: false },
      { seed: 3, threads: 2 },
    );
    await t.trainSteps(1);
    const main = tf.memory().numTensors;
    const workers = await t.parallel!.memory();
    expect(workers).toHaveLength(1);
    await t.trainSteps(2);
    expect(tf.memory().numTensors).toBe(main);
    expect(await t.parallel!.memory()).toEqual(workers);
    expect(t.parallel!.alive).toBe(1);
    dispose(t);
    await t.parallel!.dispose();
    expect(t.parallel!.alive).toBe(0);
  });

  it("rejects a step with a thread's error, leaking nothing, and goes on afterwards", async () => {
    const space = fixedSpace({ type: "softmax" });
    const net = Supernet.create(space, { seed: 4 });
    const threads = new TrainingThreads(net, 2);
    const known = largestSubnet(space);
    // The second half of the batch, the worker thread's, asks for an attention type the space does not have.
    const foreign = {
      ...known,
      stages: known.stages.map((s) => ({
        ...s,
        blocks: s.blocks.map((b) => ({ ...b, attention: { type: "xnorm" as const } })),
      })),
    };
    const images = tf.tensor4d(data.images.slice(0, 4 * 8 * 8 * 3), [4, 8, 8, 3]);
    const target = tf.oneHot(tf.tensor1d([0, 1, 2, 3], "int32"), 4).toFloat() as tf.Tensor2D;
    const forward = { training: true, castlingBranch: 0 };
    const ok = await threads.gradients([known], [4], images, target, forward);
    tf.dispose([ok.value, ...Object.values(ok.grads), ...ok.stats.flatMap((s) => [s.mean, s.variance])]);
    const tensors = tf.memory().numTensors;
    await expect(threads.gradients([known, foreign], [2, 2], images, target, forward)).rejects.toThrow(
      /the super-network has no weight .*xnorm/,
    );
    expect(tf.memory().numTensors).toBe(tensors);
    const again = await threads.gradients([known], [4], images, target, forward);
    expect(Object.keys(again.grads).sort()).toEqual(Object.keys(ok.grads).sort());
    tf.dispose([again.value, ...Object.values(again.grads), ...again.stats.flatMap((s) => [s.mean, s.variance])]);
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose([images, target]);
    await threads.dispose();
    net.dispose();
  });
});
