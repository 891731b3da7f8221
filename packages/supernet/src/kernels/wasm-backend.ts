// The parts of tfjs-wasm's backend object the product's kernels use: not in its public types, so declared once
// here. A tensor's data is `memoryOffset` bytes into the module's memory; `makeOutput` allocates there, which may
// grow the memory and replace the HEAP views, so a kernel reads them after its allocations.
import type * as tf from "@tensorflow/tfjs";

export interface WasmBackend {
  wasm: { HEAP32: Int32Array; HEAPF32?: Float32Array; asm?: { memory?: unknown } };
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object): void;
}
