// Live and peak bytes of the wasm backend's data buffers: what a pass really holds. tfjs's own counter
// (tf.memory().numBytes, tf.profile's peakBytes) adds a tensor's size for every tensor object, so views sharing one
// buffer (reshapes, the clones the tape keeps) are counted again and again.
import * as tf from "@tensorflow/tfjs";

interface WasmData {
  dataIdMap: { has(id: object): boolean };
  move(id: object, values: unknown, shape: number[], dtype: tf.DataType, refCount: number): void;
  disposeData(id: object, force?: boolean): boolean;
}

export class BufferBytes {
  private live = 0;
  private top = 0;
  private readonly sizes = new WeakMap<object, number>();

  /** Counts the current backend's buffers from now on (buffers made earlier are not counted). */
  constructor() {
    const backend = tf.backend() as unknown as WasmData;
    if (tf.getBackend() !== "wasm") throw new Error(`buffer bytes are counted on wasm, not ${tf.getBackend()}`);
    const move = backend.move.bind(backend);
    const dispose = backend.disposeData.bind(backend);
    backend.move = (id, values, shape, dtype, refCount) => {
      move(id, values, shape, dtype, refCount);
      if (dtype === "string") return;
      const bytes = shape.reduce((a, b) => a * b, 1) * 4;
      this.sizes.set(id, bytes);
      this.live += bytes;
      this.top = Math.max(this.top, this.live);
    };
    backend.disposeData = (id, force) => {
      const freed = dispose(id, force);
      const bytes = this.sizes.get(id);
      if (bytes !== undefined && !backend.dataIdMap.has(id)) {
        this.sizes.delete(id);
        this.live -= bytes;
      }
      return freed;
    };
  }

  /** Peak bytes above the bytes live at the start, over `run`. */
  async peakOver(run: () => void | Promise<void>): Promise<number> {
    const start = this.live;
    this.top = start;
    await run();
    return this.top - start;
  }
}
