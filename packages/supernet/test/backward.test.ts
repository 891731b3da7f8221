// The training backward pass that frees as it goes computes what tf.variableGrads computes, and holds less.
import * as tf from "@tensorflow/tfjs";
import type { AttentionSpec } from "@vitnas/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend, Supernet } from "../src";
import { variableGrads } from "../src/backward";
import { patternSplit } from "./data";
import { tinyArch, tinySpace } from "./spaces";

let images: tf.Tensor4D;

beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
  images = tf.tensor4d(patternSplit(4).images, [4, 8, 8, 3]);
});
afterAll(() => images.dispose());

describe("training backward pass", () => {
  it("equals tf.variableGrads: loss, every gradient, the same variables; leaves nothing behind", async () => {
    const spec: AttentionSpec = { type: "nystrom", landmarks: 4, iterations: 3, convKernel: 3 };
    const net = Supernet.create(tinySpace([spec]), { seed: 7 });
    // The smaller sub-network leaves some weights unread: neither pass returns a gradient for them.
    const arch = tinyArch(spec, { small: true, position: "rope" });
    const loss = () =>
      tf.mean(
        tf.square(net.forward([arch], images, [4], { training: true, castlingBranch: 0, recompute: false }).logits),
      ) as tf.Scalar;
    const reference = tf.variableGrads(loss, net.trainableVariables());
    const before = tf.memory().numTensors;
    const mine = variableGrads(loss, net.trainableVariables());
    expect(Object.keys(mine.grads).sort()).toEqual(Object.keys(reference.grads).sort());
    expect(Object.keys(mine.grads).length).toBeLessThan(net.trainableVariables().length);
    expect((await mine.value.data())[0]).toBe((await reference.value.data())[0]);
    for (const [name, g] of Object.entries(reference.grads)) {
      expect(Array.from(await mine.grads[name]!.data())).toEqual(Array.from(await g.data()));
    }
    tf.dispose([mine.value, ...Object.values(mine.grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([reference.value, ...Object.values(reference.grads)]);
    net.dispose();
  });

  it("holds fewer tensors at its peak than tf.variableGrads", async () => {
    const spec: AttentionSpec = { type: "softmax" };
    const net = Supernet.create(tinySpace([spec]), { seed: 7 });
    const arch = tinyArch(spec);
    const loss = () =>
      tf.mean(
        tf.square(net.forward([arch], images, [4], { training: true, castlingBranch: 0, recompute: false }).logits),
      ) as tf.Scalar;
    const peakTensors = async (backward: typeof variableGrads) => {
      const info = await tf.profile(() => {
        const { value, grads } = backward(loss, net.trainableVariables());
        tf.dispose([value, ...Object.values(grads)]);
      });
      return Math.max(...info.kernels.map((k) => k.totalTensorsSnapshot));
    };
    await peakTensors(variableGrads);
    const theirs = await peakTensors(tf.variableGrads as typeof variableGrads);
    const ours = await peakTensors(variableGrads);
    expect(ours).toBeLessThan(theirs);
    net.dispose();
  });
});
