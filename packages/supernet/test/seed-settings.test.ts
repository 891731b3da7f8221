// The seed papers' settings in the super-network (docs/seed-settings.md): the conv reduction, 1-D rotary positions,
// linformer's V as K, mixer expansion 1, castling's branch schedule and blocks kept at their super-network places.
import * as tf from "@tensorflow/tfjs";
import { type AttentionSpec, countArch, type VitArch } from "@vitnas/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ArchSampler,
  castlingBranchWeight,
  extract,
  initBackend,
  ropeAngles,
  Supernet,
  type TrainConfig,
  Trainer,
} from "../src";
import { patternSplit } from "./data";
import { fixedSpace, TRAIN_CONFIG, tinyArch, tinySpace } from "./spaces";

const SPECS: AttentionSpec[] = [
  { type: "softmax" },
  { type: "linformer", k: 4, shareKV: true },
  { type: "linformer", k: 4, shareKV: "kv" },
  { type: "mixer", expansion: 1 },
];

let net: Supernet;
let images: tf.Tensor4D;

beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
  net = Supernet.create(tinySpace(SPECS, { position: ["learned", "rope", "rope1d"] }), { seed: 5 });
  // Biases and norms away from their zeros and ones, so a dropped term shows.
  for (const [name, v] of net.variables) {
    if (name.endsWith(".b") || name.endsWith(".g")) v.assign(tf.randomUniform(v.shape, 0.1, 0.6, "float32", 7));
  }
  images = tf.tensor4d(patternSplit(3).images, [3, 8, 8, 3]);
});
afterAll(() => {
  net.dispose();
  images.dispose();
});

const logits = async (arch: VitArch, source: Supernet = net) => {
  const out = source.predict(arch, images);
  const data = await out.data();
  out.dispose();
  return data;
};
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]!)));

/** Extraction keeps the super-network's function and holds exactly the counter's parameters. */
async function expectExtracts(arch: VitArch, source: Supernet = net) {
  const model = extract(source, arch);
  try {
    expect(model.paramCount()).toBe(countArch(arch).params);
    const standalone = model.predict(images);
    expect(maxDiff(await standalone.data(), await logits(arch, source))).toBeLessThan(1e-5);
    standalone.dispose();
    return [...model.tensors.keys()].sort();
  } finally {
    model.dispose();
  }
}

describe("the conv reduction", () => {
  it("is the residual reduction without the skip: the same weights, another function", async () => {
    const residual = tinyArch({ type: "softmax" });
    const conv = tinyArch({ type: "softmax" });
    conv.stages[1]!.reduction = "conv";
    expect(await expectExtracts(conv)).toEqual(await expectExtracts(residual));
    expect(maxDiff(await logits(conv), await logits(residual))).toBeGreaterThan(1e-3);
  });

  it("is sampled where the space offers it, halving the grid", () => {
    const space = tinySpace(SPECS);
    space.stages[1]!.reduction = ["conv"];
    const sampler = new ArchSampler(space, 1);
    for (let i = 0; i < 5; i++) expect(sampler.sample(0).stages[1]!.reduction).toBe("conv");
    const arch = sampler.sample(0);
    expect(countArch(arch).stages[1]!.geometry.rows).toBe(2);
  });
});

describe("1-D rotary positions", () => {
  it("turn pair i of token t by t * 10000^(-i / p), the class token first", () => {
    const { angles, dims } = ropeAngles("rope1d", 2, 2, true, 8);
    expect(dims).toEqual([5, 4]);
    for (let t = 0; t < 5; t++) {
      for (let i = 0; i < 4; i++) expect(angles[t * 4 + i]).toBeCloseTo(t * 10000 ** (-i / 4), 12);
    }
    // Without a class token the first patch is at 0.
    expect(ropeAngles("rope1d", 2, 2, false, 8).angles[4]).toBe(1);
    // 2-D rope turns the first pairs by the row: patch (0, 1) shares row 1 with patch (0, 0).
    const rope = ropeAngles("rope", 2, 2, true, 8).angles;
    expect(rope[1 * 4]).toBe(rope[2 * 4]);
  });

  it("give another function than 2-D rope and none, and extract", async () => {
    const one = tinyArch({ type: "softmax" }, { position: "rope1d" });
    const two = tinyArch({ type: "softmax" }, { position: "rope" });
    const none = tinyArch({ type: "softmax" }, { position: "none" });
    await expectExtracts(one);
    expect(maxDiff(await logits(one), await logits(two))).toBeGreaterThan(1e-4);
    expect(maxDiff(await logits(one), await logits(none))).toBeGreaterThan(1e-4);
  });
});

describe('linformer shareKV "kv"', () => {
  const kv: AttentionSpec = { type: "linformer", k: 4, shareKV: "kv" };
  const projection: AttentionSpec = { type: "linformer", k: 4, shareKV: true };

  it("reads q and k only: the v third of the weight changes nothing; the standalone model holds [D, 2, A]", async () => {
    for (const position of ["learned", "rope"] as const) {
      const arch = tinyArch(kv, { position });
      const names = await expectExtracts(arch);
      expect(names).not.toContain("s0.b0.linformer.f");
      const model = extract(net, arch);
      expect(model.tensors.get("s0.b0.qkv.w")!.shape).toEqual([24, 2, 16]);
      model.dispose();
    }
    const before = await logits(tinyArch(kv));
    const other = await logits(tinyArch(projection));
    const qkv = net.variables.get("s0.b0.qkv.w")!;
    const saved = qkv.clone();
    // Scale the v third of block 0's q/k/v weight.
    qkv.assign(
      tf.concat([tf.slice(saved, [0, 0, 0], [-1, 2, -1]), tf.mul(tf.slice(saved, [0, 2, 0], [-1, 1, -1]), 3)], 1),
    );
    try {
      expect(maxDiff(await logits(tinyArch(kv)), before)).toBe(0);
      expect(maxDiff(await logits(tinyArch(projection)), other)).toBeGreaterThan(1e-4);
    } finally {
      qkv.assign(saved);
      saved.dispose();
    }
  });
});

describe("mixer expansion 1", () => {
  it("runs a token MLP as wide as the tokens and extracts to the counter's parameters", async () => {
    const arch = tinyArch({ type: "mixer", expansion: 1 });
    const names = await expectExtracts(arch);
    expect(names).toContain("s0.b0.mixer.w1");
    const model = extract(net, arch);
    expect(model.tensors.get("s0.b0.mixer.w1")!.shape).toEqual([17, 17]);
    model.dispose();
  });
});

describe("castling's branch schedule", () => {
  it("falls from 1 to 0 at `until` of training, or is off", () => {
    expect(castlingBranchWeight(0, 100)).toBe(1);
    expect(castlingBranchWeight(25, 100, { until: 0.25 })).toBe(0);
    expect(castlingBranchWeight(10, 100, { until: 0.25 })).toBeCloseTo(0.6);
    expect(castlingBranchWeight(50, 100, { until: 1 })).toBeCloseTo(0.5);
    expect(castlingBranchWeight(0, 100, "off")).toBe(0);
  });

  it("is the weight the trainer runs each step with", async () => {
    const data = patternSplit(8);
    const weights = async (castlingBranch?: TrainConfig["castlingBranch"]) => {
      const space = fixedSpace({ type: "castling", convKernel: 3 });
      const trainer = new Trainer(
        Supernet.create(space, { seed: 1 }),
        data,
        { ...TRAIN_CONFIG, epochs: 2, ...(castlingBranch ? { castlingBranch } : {}) },
        { seed: 1, augment: false },
      );
      const seen: number[] = [];
      const forward = trainer.supernet.forward.bind(trainer.supernet);
      trainer.supernet.forward = (archs, batch, sizes, opts) => {
        seen.push(opts.castlingBranch);
        return forward(archs, batch, sizes, opts);
      };
      await trainer.trainSteps(4);
      trainer.supernet.dispose();
      return seen;
    };
    // 2 steps per epoch, 4 steps in all.
    expect(await weights()).toEqual([1, 0.5, 0, 0]);
    expect(await weights({ until: 1 })).toEqual([1, 0.75, 0.5, 0.25]);
    expect(await weights("off")).toEqual([0, 0, 0, 0]);
  });
});

describe("blocks at their super-network places (depthDrop)", () => {
  const space = () => {
    const s = tinySpace([{ type: "softmax" }], { position: ["learned"] });
    s.stages[0]!.depth = [2, 3];
    s.stages[0]!.depthDrop = "any";
    return s;
  };

  it("a block reads the weights of its index; the standalone model names them by its place in the list", async () => {
    const placed = Supernet.create(space(), { seed: 2 });
    try {
      const arch = tinyArch({ type: "softmax" });
      arch.stages[0]!.blocks = [arch.stages[0]!.blocks[0]!, { ...arch.stages[0]!.blocks[1]!, index: 2 }];
      const leading = tinyArch({ type: "softmax" });
      expect(maxDiff(await logits(arch, placed), await logits(leading, placed))).toBeGreaterThan(1e-4);
      const names = await expectExtracts(arch, placed);
      expect(names.filter((n) => n.startsWith("s0."))).toEqual(
        (await expectExtracts(leading, placed)).filter((n) => n.startsWith("s0.")),
      );
      const model = extract(placed, arch);
      const copied = await model.tensors.get("s0.b1.mlp1.w")!.data();
      const held = await placed.get("s0.b2.mlp1.w", [24, 32]).data();
      expect(maxDiff(copied, held)).toBe(0);
      model.dispose();
      expect(placed.nameOf("s0.b1.ln1.g", arch)).toBe("s0.b2.ln1.g");
      expect(placed.nameOf("s1.b1.ln1.g", arch)).toBe("s1.b1.ln1.g");
      // In a space that drops only the last blocks, an index names nothing: the blocks are read in order.
      expect(net.nameOf("s0.b1.ln1.g", arch)).toBe("s0.b1.ln1.g");
    } finally {
      placed.dispose();
    }
  });

  it("the sampler keeps every place equally often, and the sandwich's smallest keeps places of the space", () => {
    const sampler = new ArchSampler(space(), 3);
    const kept = [0, 0, 0];
    for (let i = 0; i < 300; i++) {
      sampler.sample(0).stages[0]!.blocks.forEach((b, j) => {
        kept[b.index ?? j]!++;
      });
    }
    // Depth 2 or 3 of 3 places: each kept with probability 5/6.
    for (const k of kept) expect(k).toBeGreaterThan(210);
    expect(kept[2]).toBeLessThan(290);
    const listed = space();
    listed.stages[0]!.depthDrop = [1];
    const smallest = new ArchSampler(listed, 1).sample(0, "smallest");
    expect(smallest.stages[0]!.blocks.map((b, j) => b.index ?? j)).toEqual([0, 2]);
  });
});
