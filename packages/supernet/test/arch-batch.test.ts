// `archBatch`: a step's sub-networks train on shares of the batch ("split") or each on the whole batch ("whole",
// BigNAS's and Once-for-All's practice): a "whole" step's loss is the mean of each sub-network's loss on every image.
import * as tf from "@tensorflow/tfjs";
import type { VitArch } from "@vitnas/formats";
import { beforeAll, describe, expect, it } from "vitest";
import { ArchSampler, initBackend, largestSubnet, Supernet, smallestSubnet, Trainer } from "../src";
import { variableGrads } from "../src/backward";
import { TrainingThreads } from "../src/parallel/training";
import { patternSplit } from "./data";
import { tinySpace } from "./spaces";

const recipe = {
  epochs: 1,
  batchSize: 8,
  archsPerStep: 2,
  learningRate: 2e-3,
  weightDecay: 0.05,
  warmupEpochs: 0,
  candidateWarmupEpochs: 0,
  labelSmoothing: 0.1,
  castlingBranch: "off" as const,
};
const data = patternSplit(8);

beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
});

/** A sub-network's label-smoothed cross-entropy on all of `data`, in training mode, before any step. */
function lossOnAll(net: Supernet, arch: VitArch): number {
  return tf.tidy(() => {
    const images = tf.tensor4d(data.images, [data.count, data.imageSize, data.imageSize, data.channels]);
    const { logits } = net.forward([arch], images, [data.count], { training: true, castlingBranch: 0 });
    const smooth = recipe.labelSmoothing;
    const target = tf.add(
      tf.mul(tf.oneHot(tf.tensor1d(data.labels, "int32"), data.classes), 1 - smooth),
      smooth / data.classes,
    );
    return tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(logits)), 1))).dataSync()[0]!;
  });
}

async function firstStep(archBatch: "split" | "whole") {
  const trainer = new Trainer(
    Supernet.create(tinySpace(), { seed: 5 }),
    data,
    { ...recipe, archBatch },
    {
      seed: 2,
      augment: false,
    },
  );
  try {
    const [report] = await trainer.trainSteps(1);
    return report!;
  } finally {
    trainer.dispose();
    trainer.supernet.dispose();
  }
}

describe("archBatch", () => {
  it("whole: every sub-network learns from every image of the batch", async () => {
    const report = await firstStep("whole");
    expect(report.archs).toHaveLength(2);
    const fresh = Supernet.create(tinySpace(), { seed: 5 });
    try {
      const expected = (lossOnAll(fresh, report.archs[0]!) + lossOnAll(fresh, report.archs[1]!)) / 2;
      expect(report.loss).toBeCloseTo(expected, 5);
    } finally {
      fresh.dispose();
    }
  });

  it("split (the default): each sub-network learns from its own share, a different loss", async () => {
    const whole = await firstStep("whole");
    const split = await firstStep("split");
    expect(split.archs).toEqual(whole.archs);
    expect(Math.abs(split.loss - whole.loss)).toBeGreaterThan(1e-4);
  });

  it("whole with the sandwich rule and distillation trains finitely, the largest sub-network on the labels", async () => {
    const trainer = new Trainer(
      Supernet.create(tinySpace(), { seed: 5 }),
      data,
      { ...recipe, archsPerStep: 3, archBatch: "whole", sandwich: true, distill: true },
      { seed: 2, augment: false },
    );
    try {
      const reports = await trainer.trainSteps(1);
      expect(reports[0]!.archs).toHaveLength(3);
      expect(Number.isFinite(reports[0]!.loss)).toBe(true);
    } finally {
      trainer.dispose();
      trainer.supernet.dispose();
    }
  });

  it("whole runs the stem once: the same logits and gradients as the images repeated per sub-network", async () => {
    const net = Supernet.create(tinySpace(), { seed: 5 });
    const sampler = new ArchSampler(net.space, 3);
    const archs = [largestSubnet(net.space), smallestSubnet(net.space), sampler.sample(0)];
    const sizes = archs.map(() => data.count);
    const images = tf.tensor4d(data.images, [data.count, data.imageSize, data.imageSize, data.channels]);
    const repeated = tf.tile(images, [archs.length, 1, 1, 1]) as tf.Tensor4D;
    const target = tf.softmax(tf.randomNormal([archs.length * data.count, data.classes], 0, 1, "float32", 4));
    const forward = { training: true, castlingBranch: 0 };
    const loss = (logits: tf.Tensor2D) =>
      tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(logits)), 1))) as tf.Scalar;
    const variables = net.trainableVariables();
    const tiled = variableGrads(() => loss(net.forward(archs, repeated, sizes, forward).logits), variables);
    const once = variableGrads(() => loss(net.forward(archs, images, sizes, forward, archs.length).logits), variables);
    const threads = new TrainingThreads(net, 2);
    try {
      const shared = await threads.gradients(archs, sizes, images, target as tf.Tensor2D, forward, archs.length);
      expect(once.value.dataSync()[0]).toBeCloseTo(tiled.value.dataSync()[0]!, 5);
      expect(shared.value.dataSync()[0]).toBeCloseTo(tiled.value.dataSync()[0]!, 5);
      expect(Object.keys(once.grads).sort()).toEqual(Object.keys(tiled.grads).sort());
      expect(Object.keys(shared.grads).sort()).toEqual(Object.keys(tiled.grads).sort());
      // The stem's gradient sums over the repeats, as through the repeated images.
      expect(Object.keys(tiled.grads).some((n) => n.endsWith("stem.0.w"))).toBe(true);
      // A weight whose gradient is nil in exact arithmetic holds rounding alone (mixer's token bias b2: it adds one
      // number to every channel of a token, which the LayerNorm that reads the stream removes), so each is compared
      // at no finer a scale than a thousandth of the largest gradient.
      const largest = (t: tf.Tensor) => (t.dataSync() as Float32Array).reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      const floor = 1e-3 * Math.max(...Object.values(tiled.grads).map(largest));
      for (const [name, g] of Object.entries(tiled.grads)) {
        const want = g.dataSync() as Float32Array;
        const scale = Math.max(floor, largest(g));
        for (const got of [once.grads[name]!, shared.grads[name]!].map((t) => t.dataSync() as Float32Array)) {
          const worst = want.reduce((m, x, i) => Math.max(m, Math.abs(x - got[i]!)), 0);
          expect(worst / scale, name).toBeLessThan(1e-4);
        }
      }
    } finally {
      await threads.dispose();
      tf.dispose([
        images,
        repeated,
        target,
        tiled.value,
        once.value,
        ...Object.values(tiled.grads),
        ...Object.values(once.grads),
      ]);
      net.dispose();
    }
  }, 600_000);
});
