import { type VitSpaceInput, validateSpace, withDefaults } from "@vitnas/formats";
import { evaluate, initBackend, Supernet, Trainer } from "@vitnas/supernet";
import { describe, expect, it } from "vitest";
import { generateSynthetic, loadDataset, MAX_SYNTHETIC_CLASSES, syntheticClassNames } from "../src/index";
import { trainLinear } from "./linear-baseline";

const spec = {
  kind: "synthetic" as const,
  classes: 6,
  imageSize: 32,
  channels: 3,
  train: 600,
  val: 300,
  test: 60,
  seed: 7,
};

describe("synthetic", () => {
  it("is deterministic from its seed, balanced, and its splits are independent", async () => {
    const a = await loadDataset(spec);
    const b = await loadDataset(spec);
    const c = await loadDataset({ ...spec, seed: 8 });
    expect(a.fingerprint).toBe(b.fingerprint);
    const raw = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
    expect(raw(a.train.images).equals(raw(b.train.images))).toBe(true);
    expect(c.fingerprint).not.toBe(a.fingerprint);
    expect(raw(c.train.images).equals(raw(a.train.images))).toBe(false);
    const counts = new Array(6).fill(0);
    for (const label of a.train.labels) counts[label]++;
    expect(counts).toEqual(new Array(6).fill(100));
    // The validation images are not training images.
    const bytes = (images: Float32Array, i: number) => Buffer.from(images.buffer, i * 3072 * 4, 3072 * 4);
    const firstVal = bytes(a.val.images, 0);
    let copies = 0;
    for (let i = 0; i < a.train.count; i++) if (bytes(a.train.images, i).equals(firstVal)) copies++;
    expect(copies).toBe(0);
    expect(a.classNames).toEqual(syntheticClassNames(6));
    expect(new Set(a.classNames).size).toBe(6);
  });

  it("normalises with training statistics: zero mean, unit variance per channel on train", async () => {
    const { train, normalization } = await loadDataset(spec);
    for (let k = 0; k < 3; k++) {
      let sum = 0;
      let squares = 0;
      for (let i = k; i < train.images.length; i += 3) {
        sum += train.images[i]!;
        squares += train.images[i]! ** 2;
      }
      const n = train.images.length / 3;
      expect(sum / n).toBeCloseTo(0, 4);
      expect(squares / n).toBeCloseTo(1, 3);
      expect(normalization.std[k]).toBeGreaterThan(0);
    }
  });

  it("supports one channel, and rejects class counts it cannot make", () => {
    const grey = generateSynthetic({ classes: 3, imageSize: 16, channels: 1, count: 9, seed: 1 }, "train");
    expect(grey.images.length).toBe(9 * 16 * 16);
    expect(syntheticClassNames(MAX_SYNTHETIC_CLASSES).every((n) => n.includes("/"))).toBe(true);
    expect(() =>
      generateSynthetic({ classes: MAX_SYNTHETIC_CLASSES + 1, imageSize: 16, channels: 3, count: 1, seed: 1 }, "x"),
    ).toThrow(/dataset.classes/);
  });

  it("defeats a linear classifier on raw pixels, while a small ViT learns it", async () => {
    const data = await loadDataset({ ...spec, train: 2400, val: 600 });
    const linear = trainLinear(data.train, data.val, 3, 0.002);

    await initBackend({ force: "wasm", log: null });
    const space: VitSpaceInput = {
      format: "vit-space/v1",
      input: { imageSize: 32, channels: 3, classes: 6 },
      stem: { convs: [], patch: { kernel: 8, stride: 8 } },
      stages: [{ widths: [48], headDim: 16, depth: [2], heads: [3], mlpHidden: [96], attention: ["softmax"] }],
    };
    const checked = validateSpace(space);
    if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
    const net = Supernet.create(withDefaults(space), { seed: 1 });
    const recipe = {
      epochs: 4,
      batchSize: 32,
      archsPerStep: 1,
      learningRate: 0.002,
      weightDecay: 0.05,
      warmupEpochs: 0.5,
      candidateWarmupEpochs: 0,
      labelSmoothing: 0.1,
    };
    const trainer = new Trainer(net, data.train, recipe, { seed: 1 });
    while (!trainer.done) await trainer.trainEpoch();
    const arch = net.space.stages[0]!;
    const vit = await evaluate(
      net,
      {
        format: "vit-arch/v1",
        input: net.space.input,
        stem: net.space.stem,
        position: "learned",
        classToken: true,
        stages: [
          {
            width: 48,
            headDim: arch.headDim,
            reduction: "none",
            blocks: [0, 1].map(() => ({ heads: 3, mlpHidden: 96, attention: arch.attention[0]! })),
          },
        ],
      },
      data.val,
    );
    net.dispose();
    console.log(`synthetic, 6 classes: linear ${linear.toFixed(3)}, ViT ${vit.toFixed(3)}`);
    expect(linear).toBeLessThan(0.3);
    expect(vit).toBeGreaterThan(linear + 0.15);
  });
});
