// Extraction: the standalone model of an architecture computes what the super-network computes for it, holds
// exactly the counter's parameters, and survives a save/load round trip without the super-network.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { countArch } from "@vitnas/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extract, initBackend, StandaloneModel, Supernet } from "../src";
import { patternSplit } from "./data";
import { ALL_ATTENTION, tinyArch, tinySpace } from "./spaces";

let net: Supernet;
let images: tf.Tensor4D;
let dir: string;

beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
  net = Supernet.create(tinySpace(), { seed: 11 });
  // Non-trivial batch-norm statistics and weights, so a wrong slice or a skipped buffer shows.
  for (const [name, v] of net.variables) {
    if (name.endsWith(".bn.mean") || name.endsWith(".bn.var") || name.endsWith(".b") || name.endsWith(".g")) {
      v.assign(tf.add(v, tf.randomUniform(v.shape, 0.1, 0.5, "float32", 3)));
    }
  }
  images = tf.tensor4d(patternSplit(3).images, [3, 8, 8, 3]);
  dir = await mkdtemp(join(tmpdir(), "supernet-extract-"));
});

afterAll(async () => {
  net.dispose();
  images.dispose();
  await rm(dir, { recursive: true, force: true });
});

function maxDiff(a: Float32Array | Int32Array | Uint8Array, b: Float32Array | Int32Array | Uint8Array) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe.each(ALL_ATTENTION.map((spec) => [spec.type, spec] as const))("%s", (type, spec) => {
  for (const [label, options] of [
    ["a small sub-network, learned positions", { small: true, position: "learned" as const }],
    ["the largest sub-network, rotary positions", { small: false, position: "rope" as const }],
  ] as const) {
    it(`extracts ${label}: same logits, the counter's parameter count`, async () => {
      const arch = tinyArch(spec, options);
      const model = extract(net, arch);
      try {
        expect(model.paramCount()).toBe(countArch(arch).params);
        const fromSupernet = net.predict(arch, images);
        const standalone = model.predict(images);
        expect(standalone.shape).toEqual([3, 4]);
        expect(maxDiff(await fromSupernet.data(), await standalone.data())).toBeLessThan(1e-5);
        // The slices are copies: changing the super-network afterwards leaves the model as it was.
        const before = await standalone.data();
        tf.dispose([fromSupernet, standalone]);
        if (!options.small) {
          await model.save(join(dir, type));
          const loaded = await StandaloneModel.load(join(dir, type));
          const again = loaded.predict(images);
          expect(maxDiff(before, await again.data())).toBe(0);
          expect(loaded.paramCount()).toBe(model.paramCount());
          again.dispose();
          loaded.dispose();
        }
      } finally {
        model.dispose();
      }
    });
  }
});

describe("standalone files", () => {
  it("refuses a damaged weights.bin with a clear message", async () => {
    const arch = tinyArch({ type: "softmax" }, { small: true });
    const model = extract(net, arch);
    const at = join(dir, "damaged");
    await model.save(at);
    model.dispose();
    await writeFile(join(at, "weights.bin"), new Uint8Array(16));
    await expect(StandaloneModel.load(at)).rejects.toThrow(/corrupt/);
    await expect(StandaloneModel.load(join(dir, "missing"))).rejects.toThrow(/weights\.json/);
  });

  it("rejects an architecture outside the super-network", () => {
    const arch = tinyArch({ type: "softmax" });
    arch.stages[0]!.width = 64;
    expect(() => extract(net, arch)).toThrow(/exceeds/);
  });
});

describe("other layouts", () => {
  // A residual stem group, an overlapping patch conv with padding, no class token, a widening `none` reduction.
  const space = tinySpace(ALL_ATTENTION, {
    stem: {
      convs: [
        { out: 8, kernel: 3, stride: 1, padding: 1, norm: "batch", act: "relu" },
        {
          residual: [
            { out: 8, kernel: 3, stride: 1, padding: 1, norm: "batch", act: "gelu" },
            { out: 8, kernel: 1, stride: 1, padding: 0, norm: "none", act: "none" },
          ],
        },
      ],
      patch: { kernel: 3, stride: 2, padding: 1 },
    },
    classToken: false,
  });

  it.each(["learned", "rope"] as const)(
    "extracts with %s positions: same logits, the counter's parameters",
    async (position) => {
      const other = Supernet.create(space, { seed: 3 });
      try {
        for (const [reduction, width] of [
          ["none", 32],
          ["none", 24],
          ["residual", 24],
        ] as const) {
          const arch = tinyArch({ type: "nystrom", landmarks: 4, iterations: 3, convKernel: 3 }, { position });
          arch.stem = space.stem;
          arch.classToken = false;
          arch.stages[0]!.width = 24;
          arch.stages[1]!.reduction = reduction;
          arch.stages[1]!.width = width;
          const model = extract(other, arch);
          expect(model.paramCount()).toBe(countArch(arch).params);
          const a = other.predict(arch, images);
          const b = model.predict(images);
          expect(maxDiff(await a.data(), await b.data())).toBeLessThan(1e-5);
          tf.dispose([a, b]);
          model.dispose();
        }
      } finally {
        other.dispose();
      }
    },
  );
});
