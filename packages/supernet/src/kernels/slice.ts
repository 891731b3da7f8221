// The wasm backend's Slice for 4-byte tensors, copying within the backend's memory. tfjs-wasm's own first copies
// the whole input out of the wasm heap into a new JavaScript buffer and then slices that copy: a q/k/v column
// slice of a [2080, 192] projection took 3-55 ms where this takes 0.2-1.7 (packages/supernet/README.md). Here each
// contiguous run of the output is one copyWithin on the heap. The same values, so gradients (a Pad) and everything
// else are unchanged.
import * as tf from "@tensorflow/tfjs";
import type { WasmBackend } from "./wasm-backend";

let tfjsKernel: tf.KernelConfig | undefined;
let heapKernel: tf.KernelConfig | undefined;

/** Registers the heap-copy Slice as the wasm backend's (once; the backend must be registered). */
export function registerHeapSlice(): boolean {
  if (heapKernel) return true;
  const original = tf.getKernel("Slice", "wasm");
  if (!original) return false;
  const fallback = original.kernelFunc as (args: unknown) => tf.TensorInfo;
  const kernelFunc = (args: {
    inputs: tf.NamedTensorInfoMap;
    backend: tf.KernelBackend;
    attrs: { begin: number | number[]; size: number | number[] };
  }): tf.TensorInfo => {
    const x = args.inputs.x!;
    if (x.dtype !== "float32" && x.dtype !== "int32") return fallback(args);
    const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, args.attrs.begin, args.attrs.size) as [
      number[],
      number[],
    ];
    const backend = args.backend as unknown as WasmBackend;
    const out = backend.makeOutput(size, x.dtype);
    const count = tf.util.sizeFromShape(size);
    if (count === 0) return out;
    // Read after makeOutput: an allocation may grow the memory and replace the heap's views.
    const heap = backend.wasm.HEAP32;
    const from = backend.dataIdMap.get(x.dataId).memoryOffset >>> 2;
    const to = backend.dataIdMap.get(out.dataId).memoryOffset >>> 2;
    const strides = tf.util.computeStrides(x.shape);
    // Trailing axes taken whole join the last one into a single contiguous run.
    let axis = x.shape.length - 1;
    let run = size[axis] ?? 1;
    while (axis > 0 && size[axis] === x.shape[axis]) {
      axis--;
      run *= size[axis]!;
    }
    // Offset of `begin` in the input, then one run per index of the axes before `axis` (odometer order).
    let start = 0;
    for (let i = 0; i < x.shape.length; i++) start += begin[i]! * (strides[i] ?? 1);
    const outer = size.slice(0, axis);
    const index = outer.map(() => 0);
    const runs = count / run;
    for (let r = 0, at = to; r < runs; r++, at += run) {
      let offset = start;
      for (let i = 0; i < outer.length; i++) offset += index[i]! * strides[i]!;
      heap.copyWithin(at, from + offset, from + offset + run);
      for (let i = outer.length - 1; i >= 0; i--) {
        if (++index[i]! < outer[i]!) break;
        index[i] = 0;
      }
    }
    return out;
  };
  tfjsKernel = original;
  heapKernel = { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
  useSlice("heap");
  return true;
}

/** Which Slice the wasm backend runs: the heap copy (the default once registered) or tfjs's own. */
export function useSlice(which: "heap" | "tfjs") {
  const config = which === "heap" ? heapKernel : tfjsKernel;
  if (!config) return;
  tf.unregisterKernel("Slice", "wasm");
  tf.registerKernel(config);
}
