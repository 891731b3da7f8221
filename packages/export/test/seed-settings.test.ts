// The seed papers' settings exported to ONNX (docs/seed-settings.md): the conv reduction, 1-D rotary positions,
// linformer's V as K, mixer expansion 1 and a sub-network whose blocks sit at other super-network places. Each runs
// in ONNX Runtime and gives the tfjs model's logits within 1e-4 of their scale, at batch 1 and 3.
import * as tf from "@tensorflow/tfjs";
import { type AttentionSpec, spaceOfArch, type VitArch } from "@vitnas/formats";
import { extract, initBackend, type StandaloneModel, Supernet } from "@vitnas/supernet";
import { beforeAll, describe, expect, it } from "vitest";
import { exportOnnx } from "../src";
import { randomImages, randomModel, testArch } from "./models";
import { ortLogits, ortSession, relativeDifference } from "./ort";

const TOLERANCE = 1e-4;
const NORMALIZATION = { normalization: { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] } };

beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
});

/** Exports `model` and compares ONNX Runtime's logits with `reference` (default: the model's own) at batch 1 and 3. */
async function expectSameLogits(
  model: StandaloneModel,
  reference: (images: tf.Tensor4D) => tf.Tensor = (images) => model.predict(images),
) {
  const { bytes, operators } = exportOnnx(model, NORMALIZATION);
  const session = await ortSession(bytes);
  try {
    for (const batch of [1, 3]) {
      const { nhwc, nchw } = randomImages(batch, model.arch, batch + 10);
      const expected = tf.tidy(() => reference(nhwc));
      const actual = await ortLogits(session, nchw);
      const { relative, scale } = relativeDifference(actual, await expected.data());
      tf.dispose([nhwc, nchw, expected]);
      expect(scale, "logits too small for a meaningful comparison").toBeGreaterThan(0.1);
      expect(relative, `batch ${batch}`).toBeLessThan(TOLERANCE);
    }
  } finally {
    await session.release();
  }
  return operators;
}

async function expectExports(arch: VitArch) {
  const model = randomModel(arch, 3);
  try {
    return await expectSameLogits(model);
  } finally {
    model.dispose();
  }
}

const softmax: AttentionSpec = { type: "softmax" };
const kv: AttentionSpec = { type: "linformer", k: 4, shareKV: "kv" };

describe("ONNX Runtime equals tfjs", () => {
  it("with the conv reduction: no pooled skip in the graph", async () => {
    const residual = testArch({ reduction: "residual", attention: softmax });
    const conv = structuredClone(residual);
    conv.stages[1]!.reduction = "conv";
    // The residual reduction's skip is the graph's one 2x2 average pooling; the conv reduction has none.
    expect(await expectExports(residual)).toContain("ReduceMean");
    expect(await expectExports(conv)).not.toContain("ReduceMean");
    const pooled = testArch({ reduction: "residual", attention: softmax, classToken: false, position: "rope1d" });
    pooled.stages[1]!.reduction = "conv";
    await expectExports(pooled);
  });

  it.each([
    ["a class token", true],
    ["mean pooling", false],
  ])("with 1-D rotary positions and %s", async (_, classToken) => {
    await expectExports(testArch({ reduction: "residual", attention: softmax, position: "rope1d", classToken }));
  });

  it.each(["learned", "rope", "rope1d"] as const)('with linformer "kv" and %s positions', async (position) => {
    await expectExports(testArch({ reduction: "residual", attention: kv, position }));
  });

  it("with mixer expansion 1", async () => {
    await expectExports(testArch({ reduction: "none", attention: { type: "mixer", expansion: 1 } }));
  });

  it("with blocks inherited from other places of the super-network (depthDrop)", async () => {
    const arch = testArch({ reduction: "residual", attention: [softmax, kv, softmax, kv] });
    const space = spaceOfArch(arch);
    space.stages[0]!.depth = [2, 3];
    space.stages[0]!.depthDrop = "any";
    arch.stages[0]!.blocks[1]!.index = 2;
    const net = Supernet.create(space, { seed: 4 });
    for (const [name, v] of net.variables) {
      if (name.endsWith(".b") || name.endsWith(".g")) v.assign(tf.randomUniform(v.shape, -0.3, 0.6, "float32", 2));
    }
    const model = extract(net, arch);
    try {
      await expectSameLogits(model, (images) => net.predict(arch, images));
    } finally {
      model.dispose();
      net.dispose();
    }
  });
});
