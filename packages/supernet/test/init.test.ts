// Initialisation schemes: `fan-in` scales each layer by its own fan-in (PyTorch's defaults), `trunc-normal` uses one
// std for every layer (ViT/DeiT). The measured spread of each weight must match its scheme's formula.
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend, Supernet } from "../src";
import { supernetWeights } from "../src/space";
import { initialValues, TRUNC_NORMAL_STD, type WeightSpec } from "../src/weights";
import { tinySpace } from "./spaces";

const std = (xs: Float32Array) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
};
const maxAbs = (xs: Float32Array) => xs.reduce((a, b) => Math.max(a, Math.abs(b)), 0);

beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
});

describe("initialisation schemes", () => {
  const specs = new Map(
    supernetWeights(tinySpace([{ type: "softmax" }, { type: "mixer", expansion: 0.5 }])).map((s) => [s.name, s]),
  );
  const get = (name: string): WeightSpec => {
    const spec = specs.get(name);
    if (!spec) throw new Error(`no weight ${name}`);
    return spec;
  };

  it("fan-in: dense weights and biases uniform within 1/sqrt(fan-in), q/k/v within Glorot's bound", () => {
    const mlp1 = get("s1.b0.mlp1.w"); // [32 in, 48 out]
    const w = initialValues(mlp1, 1, "fan-in");
    expect(maxAbs(w)).toBeLessThanOrEqual(1 / Math.sqrt(32));
    expect(std(w)).toBeCloseTo(1 / Math.sqrt(3 * 32), 2);
    const bias = initialValues(get("s1.b0.mlp1.b"), 1, "fan-in");
    expect(maxAbs(bias)).toBeLessThanOrEqual(1 / Math.sqrt(32));
    expect(maxAbs(bias)).toBeGreaterThan(0);
    const qkv = get("s1.b0.qkv.w"); // [32, 3, 3 heads x 8]
    const bound = Math.sqrt(6 / (32 + 3 * 24));
    const q = initialValues(qkv, 1, "fan-in");
    expect(maxAbs(q)).toBeLessThanOrEqual(bound);
    expect(std(q)).toBeCloseTo(bound / Math.sqrt(3), 2);
    // PyTorch's attention starts its projection biases at zero.
    expect(maxAbs(initialValues(get("s1.b0.qkv.b"), 1, "fan-in"))).toBe(0);
    expect(maxAbs(initialValues(get("s1.b0.proj.b"), 1, "fan-in"))).toBe(0);
    // A wider layer starts smaller: the scale follows the width.
    expect(std(initialValues(get("s1.b0.mlp2.w"), 1, "fan-in"))).toBeLessThan(std(w));
  });

  it("trunc-normal: every dense weight normal(0, 0.02) cut at 2 std, biases zero", () => {
    for (const name of ["s1.b0.mlp1.w", "s1.b0.qkv.w", "s0.b0.mixer.w1", "head.w"]) {
      const w = initialValues(get(name), 1, "trunc-normal");
      expect(maxAbs(w)).toBeLessThanOrEqual(2 * TRUNC_NORMAL_STD);
      // A normal truncated at 2 std keeps 0.88 of its std.
      expect(std(w) / TRUNC_NORMAL_STD).toBeGreaterThan(0.75);
      expect(std(w) / TRUNC_NORMAL_STD).toBeLessThan(1);
    }
    expect(maxAbs(initialValues(get("s1.b0.mlp1.b"), 1, "trunc-normal"))).toBe(0);
  });

  it("positions and the class token keep their fixed small normal in both schemes; values are seeded", () => {
    for (const scheme of ["fan-in", "trunc-normal"] as const) {
      expect(maxAbs(initialValues(get("pos.0"), 1, scheme))).toBeLessThanOrEqual(0.04);
      expect(initialValues(get("cls"), 1, scheme)).toEqual(initialValues(get("cls"), 1, scheme));
    }
    expect(initialValues(get("head.w"), 1)).toEqual(initialValues(get("head.w"), 1, "fan-in"));
    expect(initialValues(get("head.w"), 2)).not.toEqual(initialValues(get("head.w"), 1));
  });

  it("the super-network starts with the scheme it is given, fan-in when none is", async () => {
    const space = tinySpace([{ type: "softmax" }]);
    const values = async (net: Supernet) => (await net.variables.get("s1.b0.mlp1.w")!.data()) as Float32Array;
    const plain = Supernet.create(space, { seed: 4 });
    const fanIn = Supernet.create(space, { seed: 4, init: "fan-in" });
    const vit = Supernet.create(space, { seed: 4, init: "trunc-normal" });
    expect(await values(plain)).toEqual(await values(fanIn));
    expect(maxAbs(await values(vit))).toBeLessThanOrEqual(2 * TRUNC_NORMAL_STD);
    expect(maxAbs(await values(fanIn))).toBeGreaterThan(2 * TRUNC_NORMAL_STD);
    for (const net of [plain, fanIn, vit]) net.dispose();
  });
});
