// One AdamW update of one weight as a single wasm-backend kernel: new weight, first and second moment from the
// weight, its gradient and the two moments, in one loop over the backend's memory. The same update written with
// tfjs ops (adamw.ts) runs about ten kernels per weight, each a call into the backend with its own allocation: for
// the 56 weights of the fixed reference step that was 6-8 ms of a 200 ms step on the main thread, serial even when
// the step's batch is shared between threads. Outputs are new tensors (nothing is changed in place), so a weight's
// old value stays valid for whatever still holds it.
import * as tf from "@tensorflow/tfjs";
import type { WasmBackend } from "./wasm-backend";

export const ADAMW_KERNEL = "VitnasAdamW";

export interface AdamWAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Decoupled weight decay of this weight (0: none). */
  decay: number;
  /** This weight's update count, this update included (bias correction). */
  t: number;
}

/** Registers the fused update for the wasm backend (once; the backend must be registered). */
export function registerAdamWKernel(): void {
  if (tf.getKernel(ADAMW_KERNEL, "wasm")) return;
  tf.registerKernel({ kernelName: ADAMW_KERNEL, backendName: "wasm", kernelFunc: adamw as unknown as tf.KernelFunc });
}

/** Whether the backend in use has the fused update. */
export function hasAdamWKernel(): boolean {
  return tf.getKernel(ADAMW_KERNEL, tf.getBackend()) !== undefined;
}

function adamw(args: {
  inputs: { w: tf.TensorInfo; g: tf.TensorInfo; m: tf.TensorInfo; v: tf.TensorInfo };
  backend: tf.KernelBackend;
  attrs: AdamWAttrs;
}): tf.TensorInfo[] {
  const { w, g, m, v } = args.inputs;
  for (const x of [w, g, m, v]) {
    if (x.dtype !== "float32") throw new Error(`${ADAMW_KERNEL}: float32 tensors only, not ${x.dtype}`);
    if (!tf.util.arraysEqual(x.shape, w.shape))
      throw new Error(`${ADAMW_KERNEL}: shapes differ (${x.shape} against ${w.shape})`);
  }
  const backend = args.backend as unknown as WasmBackend;
  const outputs = [w, m, v].map(() => backend.makeOutput(w.shape, "float32"));
  // Views after the allocations: an allocation may grow the memory and replace the heap's buffer.
  const heap = backend.wasm.HEAPF32 ?? new Float32Array(backend.wasm.HEAP32.buffer);
  const at = (x: tf.TensorInfo) => backend.dataIdMap.get(x.dataId).memoryOffset >>> 2;
  const [wi, gi, mi, vi] = [w, g, m, v].map(at) as [number, number, number, number];
  const [wo, mo, vo] = outputs.map(at) as [number, number, number];
  const { lr, beta1, beta2, epsilon, decay, t } = args.attrs;
  const c1 = 1 / (1 - beta1 ** t);
  const c2 = 1 / (1 - beta2 ** t);
  const n = tf.util.sizeFromShape(w.shape);
  for (let k = 0; k < n; k++) {
    const gk = heap[gi + k]!;
    const wk = heap[wi + k]!;
    const mk = beta1 * heap[mi + k]! + (1 - beta1) * gk;
    const vk = beta2 * heap[vi + k]! + (1 - beta2) * gk * gk;
    heap[mo + k] = mk;
    heap[vo + k] = vk;
    heap[wo + k] = wk - lr * ((mk * c1) / (Math.sqrt(vk * c2) + epsilon) + decay * wk);
  }
  return outputs;
}

/** The fused update: [weight, m, v] after one step. */
export function adamwUpdate(w: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, attrs: AdamWAttrs): tf.Tensor[] {
  return tf.engine().runKernel(ADAMW_KERNEL, { w, g, m, v }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
}
