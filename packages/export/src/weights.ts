// The model's weights, read by the names its forward pass uses (packages/supernet/README.md, "Files on disk":
// linear [in, out], q/k/v [D, 3, A], convs [k*k*C_in, C_out] in (ky, kx, c) order, the reduction conv
// [9, C_in, C_out]). Every read checks the shape, and every tensor must be read once the graph is built: a weight the
// exporter does not know (a new layer) fails the export instead of silently vanishing from the file.
import type * as tf from "@tensorflow/tfjs";

export interface NamedTensor {
  name: string;
  shape: number[];
  values: Float32Array;
}

export class WeightTable {
  private readonly read = new Set<string>();

  constructor(private readonly tensors: Map<string, tf.Tensor>) {}

  /** The weight `name` with exactly `shape`. */
  get(name: string, shape: number[]): Float32Array {
    const t = this.tensors.get(name);
    if (!t) throw new Error(`the model has no weight ${name}`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`weight ${name} is [${t.shape}], the architecture needs [${shape}]`);
    }
    this.read.add(name);
    return t.dataSync() as Float32Array;
  }

  /**
   * A weight of block `prefix` (`s<i>.b<j>`): `${prefix}.${suffix}`, or, where weights are held per attention type,
   * `${prefix}.${type}.${suffix}` (docs/model-conventions.md; the super-network can own q/k/v per type).
   */
  block(prefix: string, type: string, suffix: string, shape: number[]): Float32Array {
    const plain = `${prefix}.${suffix}`;
    const typed = `${prefix}.${type}.${suffix}`;
    if (this.tensors.has(plain)) return this.get(plain, shape);
    if (this.tensors.has(typed)) return this.get(typed, shape);
    throw new Error(`the model has no weight ${plain} (nor ${typed})`);
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  /** Names of the tensors nothing has read. */
  unread(): string[] {
    return [...this.tensors.keys()].filter((n) => !this.read.has(n));
  }
}

/** Every tensor of a model as float32 arrays, in the map's order. */
export function namedTensors(tensors: Map<string, tf.Tensor>): NamedTensor[] {
  return [...tensors].map(([name, t]) => ({ name, shape: [...t.shape], values: t.dataSync() as Float32Array }));
}
