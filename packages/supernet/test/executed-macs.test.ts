// The counter against what runs: for every attention type, a forward pass is profiled, the MACs of the executed
// matmul and conv kernels are computed from their shapes, and they must equal countArch's MACs less the named
// exceptions of docs/model-conventions.md ("What runs outside matmul and conv kernels").
import * as tf from "@tensorflow/tfjs";
import { ATTENTION_TYPES, type AttentionSpec, type AttentionType, countArch, type VitArch } from "@vitnas/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend, Supernet } from "../src";
import { ALL_ATTENTION, tinyArch, tinySpace } from "./spaces";

/** Counted MACs that the model runs as elementwise work or reductions, with no matmul or conv kernel. */
const TOKEN_CONV = "depthwise conv on V along the tokens (N*r*A): r shifted elementwise multiply-adds";
const PERFORMER_SUM = "performer normaliser sum K'^T 1 (N*m*H): a tf.sum reduction";

function exceptions(spec: AttentionSpec, n: number, heads: number, headDim: number): Record<string, number> {
  switch (spec.type) {
    case "performer":
      return { [PERFORMER_SUM]: n * spec.features * heads };
    case "nystrom":
    case "castling":
      return { [TOKEN_CONV]: n * spec.convKernel * heads * headDim };
    default:
      return {};
  }
}

/** The exceptions of a whole architecture, summed by name. */
function archExceptions(arch: VitArch): Record<string, number> {
  const out: Record<string, number> = {};
  const { stages } = countArch(arch);
  arch.stages.forEach((stage, i) => {
    for (const block of stage.blocks) {
      const found = exceptions(block.attention, stages[i]!.geometry.tokens, block.heads, stage.headDim);
      for (const [name, macs] of Object.entries(found)) out[name] = (out[name] ?? 0) + macs;
    }
  });
  return out;
}

type Kernel = { name: string; inputShapes: number[][]; outputShapes: number[][] };
const product = (shape: number[]) => shape.reduce((x, y) => x * y, 1);

/** MACs of one kernel from its shapes; 0 for kernels that are not matmuls or convs. */
function kernelMacs(k: Kernel): number {
  const out = k.outputShapes[0]!;
  switch (k.name) {
    case "BatchMatMul":
    case "MatMul":
    case "_FusedMatMul": {
      // a is [..., M, K] or [..., K, M] (transposed): its last two sizes multiply to M*K either way.
      const a = k.inputShapes[0]!;
      return (product(out) * a[a.length - 2]! * a[a.length - 1]!) / out[out.length - 2]!;
    }
    case "Conv2D":
    case "_FusedConv2D": {
      const [kh, kw, cin] = k.inputShapes[1]!;
      return product(out) * kh! * kw! * cin!;
    }
    case "DepthwiseConv2dNative":
    case "FusedDepthwiseConv2D": {
      const [kh, kw] = k.inputShapes[1]!;
      return product(out) * kh! * kw!;
    }
    default:
      // Records of op scopes ("fusedMatMul__op", custom gradients' "unnamed scope") wrap kernels recorded on their
      // own; a product kernel this list does not know would be silently uncounted.
      if (!k.name.endsWith("__op") && k.name !== "unnamed scope") expect(k.name).not.toMatch(/matmul|conv|einsum|fft/i);
      return 0;
  }
}

async function executedMacs(run: () => tf.Tensor): Promise<number> {
  const info = await tf.profile(() => {
    run().dispose();
  });
  return (info.kernels as Kernel[]).reduce((sum, k) => sum + kernelMacs(k), 0);
}

const BATCH = 2;
/**
 * Every type, plus the cases the defaults miss: separate E and F, V as K itself, m' = N (one segment run), m = 2
 * (uneven), a token MLP as wide as the tokens.
 */
const CASES: AttentionSpec[] = [
  ...ALL_ATTENTION,
  { type: "linformer", k: 3, shareKV: false },
  { type: "linformer", k: 3, shareKV: "kv" },
  { type: "mixer", expansion: 1 },
  { type: "nystrom", landmarks: 64, iterations: 2, convKernel: 5 },
  { type: "nystrom", landmarks: 2, iterations: 1, convKernel: 1 },
  { type: "performer", features: 5 },
];

let net: Supernet;
let images: tf.Tensor4D;

beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
  net = Supernet.create(tinySpace(CASES), { seed: 3 });
  images = tf.randomNormal([BATCH, 8, 8, 3], 0, 1, "float32", 4) as tf.Tensor4D;
});
afterAll(() => {
  net.dispose();
  images.dispose();
});

describe("counted MACs equal executed MACs", () => {
  it("covers every attention type", () => {
    expect(new Set(CASES.map((c) => c.type))).toEqual(new Set<AttentionType>(ATTENTION_TYPES));
  });

  it.each(CASES.map((spec) => [JSON.stringify(spec), spec] as const))("%s", async (_, spec) => {
    for (const position of ["learned", "rope", "rope1d"] as const) {
      for (const small of [false, true]) {
        const arch = tinyArch(spec, { small, position });
        // The conv reduction (the residual one without its skip) on the small ones.
        if (small) arch.stages[1]!.reduction = "conv";
        const excepted = Object.values(archExceptions(arch)).reduce((x, y) => x + y, 0);
        const executed = await executedMacs(() => net.predict(arch, images));
        expect(executed).toBe(BATCH * (countArch(arch).macs - excepted));
      }
    }
  });

  it("nystrom at N = 257, m' = 32, A = 64 (the issue's case) runs exactly the counted matmuls", async () => {
    const spec: AttentionSpec = { type: "nystrom", landmarks: 32, iterations: 6, convKernel: 9 };
    const stage = { widths: [64], headDim: 64, depth: [1], heads: [1], mlpHidden: [64], attention: [spec] };
    const space = tinySpace([spec], {
      input: { imageSize: 32, channels: 3, classes: 4 },
      stages: [{ ...stage, reduction: ["none"] }],
    });
    const arch: VitArch = {
      ...tinyArch(spec),
      input: space.input,
      stages: [{ width: 64, headDim: 64, reduction: "none", blocks: [{ heads: 1, mlpHidden: 64, attention: spec }] }],
    };
    expect(countArch(arch).stages[0]!.geometry.tokens).toBe(257);
    const big = Supernet.create(space, { seed: 1 });
    const input = tf.randomNormal([1, 32, 32, 3], 0, 1, "float32", 2) as tf.Tensor4D;
    const executed = await executedMacs(() => big.predict(arch, input));
    expect(executed).toBe(countArch(arch).macs - 257 * 9 * 64);
    tf.dispose([input]);
    big.dispose();
  });
});
