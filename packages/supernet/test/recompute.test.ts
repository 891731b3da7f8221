// Activation recomputation changes memory, not results: loss and every gradient equal those of the plain pass, for
// every attention type, full and smaller sub-networks, both position kinds, castling's training branch included.
import * as tf from "@tensorflow/tfjs";
import type { AttentionSpec, VitArch } from "@vitnas/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend, Supernet } from "../src";
import { patternSplit } from "./data";
import { ALL_ATTENTION, tinyArch, tinySpace } from "./spaces";

let images: tf.Tensor4D;

beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
  images = tf.tensor4d(patternSplit(4).images, [4, 8, 8, 3]);
});
afterAll(() => images.dispose());

function lossAndGrads(net: Supernet, arch: VitArch, recompute: boolean | undefined, castlingBranch = 0.5) {
  return tf.variableGrads(
    () =>
      tf.mean(
        tf.square(net.forward([arch, arch], images, [1, 3], { training: true, castlingBranch, recompute }).logits),
      ) as tf.Scalar,
    net.trainableVariables(),
  );
}

/** Largest absolute difference of the losses and of every gradient, relative to the gradient's own scale. */
async function difference(net: Supernet, arch: VitArch) {
  const plain = lossAndGrads(net, arch, false);
  const again = lossAndGrads(net, arch, true);
  let worst = Math.abs((await plain.value.data())[0]! - (await again.value.data())[0]!);
  expect(Object.keys(again.grads).sort()).toEqual(Object.keys(plain.grads).sort());
  for (const [name, g] of Object.entries(plain.grads)) {
    const [x, y] = [await g.data(), await again.grads[name]!.data()];
    const scale = Math.max(1e-3, ...x.map(Math.abs));
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!) / scale);
  }
  tf.dispose([plain.value, again.value, ...Object.values(plain.grads), ...Object.values(again.grads)]);
  return worst;
}

describe("activation recomputation", () => {
  it.each(ALL_ATTENTION.map((spec) => [spec.type, spec] as [string, AttentionSpec]))(
    "%s: loss and gradients equal the plain pass",
    async (_type, spec) => {
      const net = Supernet.create(tinySpace([spec]), { seed: 5 });
      const archs = [tinyArch(spec, { position: "rope" }), tinyArch(spec, { small: true, position: "learned" })];
      for (const arch of archs) expect(await difference(net, arch)).toBeLessThan(1e-5);
      // Again, once the cached constants (rotary tables, DFT matrices) exist: nothing leaks from the nested pass.
      const before = tf.memory().numTensors;
      await difference(net, archs[0]!);
      expect(tf.memory().numTensors).toBe(before);
      net.dispose();
    },
  );

  it("lowers the peak bytes of a training pass; off by default below 256 tokens", async () => {
    const spec: AttentionSpec = { type: "performer", features: 8 };
    const net = Supernet.create(tinySpace([spec]), { seed: 5 });
    const arch = tinyArch(spec);
    const peak = async (recompute: boolean | undefined) => {
      const start = tf.memory().numBytes;
      const info = await tf.profile(() => {
        const { value, grads } = lossAndGrads(net, arch, recompute);
        tf.dispose([value, ...Object.values(grads)]);
      });
      return info.peakBytes - start;
    };
    await peak(true); // cached constants are created outside the measured passes
    const [plain, recomputed, byDefault] = [await peak(false), await peak(true), await peak(undefined)];
    expect(recomputed).toBeLessThan(0.9 * plain);
    expect(byDefault).toBe(plain); // 17 tokens
    net.dispose();
  });
});
