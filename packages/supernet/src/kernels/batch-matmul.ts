// The wasm backend's BatchMatMul for the per-head products of attention ([B, H, N, d] by [B, H, d, N] and the like).
// tfjs-wasm sends only untransposed batch-1 products to XNNPACK; the others run a scalar loop at 0.2-0.7 GFLOP/s
// (packages/supernet/README.md, "Known limits"). This kernel (batch-matmul.wat: 128-bit SIMD, blocks of 4 x 8
// outputs summed in registers) runs them in the backend's own memory at dense-matmul speed, reading a transposed
// left operand through strides and a transposed right one after the backend's Transpose. Untransposed batch-1
// products stay with XNNPACK. The gradients are tfjs's own, written with the same kernel.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import wabtInit from "wabt";
import type { WasmBackend } from "./wasm-backend";

type Bmm = (
  a: number,
  b: number,
  c: number,
  batch: number,
  m: number,
  k: number,
  n: number,
  aRow: number,
  aCol: number,
  aBatch: number,
  bBatch: number,
) => void;

export type BatchMatMulKernel = "simd" | "tfjs";

let compiled: Promise<WebAssembly.Module> | undefined;
let tfjsKernel: tf.KernelConfig | undefined;
let simdKernel: tf.KernelConfig | undefined;

function compile(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    const wabt = await wabtInit();
    const source = readFileSync(join(import.meta.dirname, "batch-matmul.wat"), "utf8");
    const module = wabt.parseWat("batch-matmul.wat", source, { simd: true, bulk_memory: true });
    try {
      module.validate();
      return new WebAssembly.Module(module.toBinary({}).buffer as Uint8Array<ArrayBuffer>);
    } finally {
      module.destroy();
    }
  })();
  return compiled;
}

/**
 * Registers the SIMD kernel as the wasm backend's BatchMatMul (once; the backend must be registered). Returns false,
 * leaving tfjs's kernel, where the backend's memory is not reachable (another build of tfjs-wasm).
 */
export async function registerSimdBatchMatMul(): Promise<boolean> {
  if (simdKernel) return true;
  const backend = tf.findBackend("wasm") as unknown as WasmBackend | null;
  const memory = backend?.wasm.asm?.memory;
  const original = tf.getKernel("BatchMatMul", "wasm");
  if (!backend || !(memory instanceof WebAssembly.Memory) || !original) return false;
  const instance = new WebAssembly.Instance(await compile(), { env: { memory } });
  const bmm = instance.exports.bmm as Bmm;
  const transpose = tf.getKernel("Transpose", "wasm")!.kernelFunc as (args: unknown) => tf.TensorInfo;
  const fallback = original.kernelFunc as (args: unknown) => tf.TensorInfo;
  const kernelFunc = (args: {
    inputs: tf.NamedTensorInfoMap;
    backend: tf.KernelBackend;
    attrs: { transposeA: boolean; transposeB: boolean };
  }): tf.TensorInfo => {
    const a = args.inputs.a!;
    const b = args.inputs.b!;
    const { transposeA, transposeB } = args.attrs;
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const batchA = tf.util.sizeFromShape(outerA);
    const batchB = tf.util.sizeFromShape(outerB);
    const sameOuter = outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i]);
    if (
      a.dtype !== "float32" ||
      b.dtype !== "float32" ||
      (batchA === 1 && batchB === 1 && !transposeA && !transposeB) ||
      (!sameOuter && batchA !== 1 && batchB !== 1)
    ) {
      return fallback(args);
    }
    const [a1, a2] = a.shape.slice(-2) as [number, number];
    const [b1, b2] = b.shape.slice(-2) as [number, number];
    const m = transposeA ? a2 : a1;
    const k = transposeA ? a1 : a2;
    const n = transposeB ? b1 : b2;
    if ((transposeB ? b2 : b1) !== k) {
      throw new Error(
        `Error in matMul: inner shapes (${k}) and (${transposeB ? b2 : b1}) of Tensors with shapes ${a.shape} and ` +
          `${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
      );
    }
    const wasm = args.backend as unknown as WasmBackend;
    // A transposed B is made row-major [k, n] by the backend's Transpose; A is read through strides either way.
    const bRows = transposeB
      ? transpose({
          inputs: { x: { dataId: b.dataId, shape: [batchB, n, k], dtype: b.dtype } },
          backend: args.backend,
          attrs: { perm: [0, 2, 1] },
        })
      : b;
    const outer = batchA >= batchB ? outerA : outerB;
    const out = wasm.makeOutput([...outer, m, n], "float32");
    bmm(
      wasm.dataIdMap.get(a.dataId).memoryOffset,
      wasm.dataIdMap.get(bRows.dataId).memoryOffset,
      wasm.dataIdMap.get(out.dataId).memoryOffset,
      Math.max(batchA, batchB),
      m,
      k,
      n,
      transposeA ? 4 : 4 * k,
      transposeA ? 4 * m : 4,
      batchA === 1 ? 0 : 4 * m * k,
      batchB === 1 ? 0 : 4 * k * n,
    );
    if (bRows !== b) wasm.disposeData(bRows.dataId);
    return out;
  };
  tfjsKernel = original;
  simdKernel = { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
  useBatchMatMul("simd");
  return true;
}

/** Which BatchMatMul the wasm backend runs: this kernel (the default once registered) or tfjs's own. */
export function useBatchMatMul(which: BatchMatMulKernel) {
  const config = which === "simd" ? simdKernel : tfjsKernel;
  if (!config) return;
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel(config);
}
