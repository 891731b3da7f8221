// The whole model's gradients against finite differences, for every attention type: the analytic backward pass
// (the trainer's) must agree with the change of the loss when each weight moves, so no training recipe is chasing a
// wrong gradient. float32 on `cpu`: central differences along the gradient's own direction and a random one.
import * as tf from "@tensorflow/tfjs";
import type { AttentionSpec, VitArch } from "@vitnas/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend, Supernet } from "../src";
import { variableGrads } from "../src/backward";
import { Random } from "../src/random";
import { patternSplit } from "./data";
import { ALL_ATTENTION, tinyArch, tinySpace } from "./spaces";

let images: tf.Tensor4D;
let targets: tf.Tensor2D;

beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
  const split = patternSplit(6);
  images = tf.tensor4d(split.images, [6, 8, 8, 3]);
  targets = tf.oneHot(tf.tensor1d(split.labels, "int32"), 4).toFloat() as tf.Tensor2D;
});
afterAll(() => tf.dispose([images, targets]));

// Small enough that curvature (ReLU kinks, normalisations) stays below the tolerance, large enough for float32:
// at 1e-2 the castling stem and the xnorm class token were 4-6% off, converging to the gradient as the step shrank.
const EPS = 1e-3;

/** The seed papers' settings (docs/seed-settings.md): V as K with 1-D rotary positions and the skip-less reduction. */
const SEED_SETTINGS: [string, AttentionSpec, Partial<VitArch>][] = [
  ['linformer "kv", rope1d, conv reduction', { type: "linformer", k: 4, shareKV: "kv" }, { position: "rope1d" }],
];
const CASES: [string, AttentionSpec, Partial<VitArch>][] = [
  ...ALL_ATTENTION.map((spec): [string, AttentionSpec, Partial<VitArch>] => [
    spec.type,
    spec,
    { position: spec.type === "softmax" ? "rope" : "learned" },
  ]),
  ...SEED_SETTINGS,
];

describe.each(CASES)("gradients of %s", (name, spec: AttentionSpec, over) => {
  it("equal finite differences for every trainable weight", async () => {
    const net = Supernet.create(tinySpace([spec]), { seed: 9 });
    const arch = tinyArch(spec, { small: true, position: over.position! });
    if (SEED_SETTINGS.some(([n]) => n === name)) arch.stages[1]!.reduction = "conv";
    const loss = () =>
      tf.tidy(() => {
        const { logits } = net.forward([arch], images, [6], { training: true, castlingBranch: 0.5, recompute: false });
        return tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1))) as tf.Scalar;
      });
    const lossAt = async () => {
      const l = loss();
      const v = (await l.data())[0]!;
      l.dispose();
      return v;
    };
    const { value, grads } = variableGrads(loss, net.trainableVariables());
    value.dispose();
    const rng = new Random(3);
    let checked = 0;
    for (const variable of net.trainableVariables()) {
      const grad = grads[variable.name];
      if (!grad) continue;
      const g = (await grad.data()) as Float32Array;
      const norm = Math.hypot(...g);
      if (norm < 1e-6) continue;
      const random = Float32Array.from(g, () => rng.normal());
      const randomNorm = Math.hypot(...random);
      const original = variable.clone();
      for (const direction of [g.map((x) => x / norm), random.map((x) => x / randomNorm)]) {
        const d = tf.tensor(direction, variable.shape);
        variable.assign(tf.tidy(() => tf.add(original, tf.mul(d, EPS))));
        const plus = await lossAt();
        variable.assign(tf.tidy(() => tf.sub(original, tf.mul(d, EPS))));
        const minus = await lossAt();
        variable.assign(original);
        d.dispose();
        const numeric = (plus - minus) / (2 * EPS);
        const analytic = g.reduce((s, x, i) => s + x * direction[i]!, 0);
        expect(
          Math.abs(numeric - analytic),
          `${variable.name}: finite difference ${numeric}, gradient ${analytic}`,
        ).toBeLessThanOrEqual(0.02 * norm + 1e-3);
      }
      original.dispose();
      checked++;
    }
    // Every weight the architecture reads has a gradient and was checked (none skipped silently).
    expect(checked).toBeGreaterThan(10);
    tf.dispose(Object.values(grads));
    net.dispose();
  }, 120_000);
});
