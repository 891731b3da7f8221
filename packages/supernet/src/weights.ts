// Named weights and how a forward pass reads them: the super-network hands out leading (or centred) slices of its
// largest tensors, a standalone model hands out its own exact-size tensors, and a recorder notes which slices an
// architecture reads so extraction copies exactly those.
import type * as tf from "@tensorflow/tfjs";
import { hashName, Random } from "./random";

export type Init =
  | { kind: "zeros" }
  | { kind: "ones" }
  /** A fixed distribution whatever the scheme (positions, tokens, linformer's projections, the stem's He init). */
  | { kind: "normal"; std: number }
  | { kind: "orthogonal-features" }
  /**
   * A layer's weight, drawn as the training recipe's initialisation scheme says. `fanIn`: the axes of the shape
   * that feed one output; `xavier`: Glorot's bound over fan-in + fan-out (PyTorch's q/k/v projection).
   */
  | { kind: "dense"; fanIn: number[]; xavier?: boolean }
  /** A layer's bias: the scheme's bias distribution for a layer with this fan-in. */
  | { kind: "dense-bias"; fanIn: number };

/**
 * How layer weights start (docs/training-recipe.md):
 * - `fan-in`: PyTorch's layer defaults, uniform within +-1/sqrt(fan-in) for weights and biases, Glorot uniform for
 *   q/k/v. The scale follows the layer's width, which is what small ViTs trained for a few epochs need.
 * - `trunc-normal`: ViT/DeiT's normal(0, 0.02) truncated at 2 std, zero biases: made for large models on long
 *   schedules; on a width-64 ViT trained 3 epochs it cost about 8 points of accuracy.
 */
export type InitScheme = "fan-in" | "trunc-normal";
export const INIT_SCHEMES: readonly InitScheme[] = ["fan-in", "trunc-normal"];
export const TRUNC_NORMAL_STD = 0.02;

/** A weight declared by the model at its largest size. `center` lists axes sliced around the middle (conv taps). */
export interface WeightSpec {
  name: string;
  shape: number[];
  init: Init;
  /** false: a fixed tensor (batch-norm running statistics, random features), saved but not trained. */
  trainable: boolean;
  /** Decoupled weight decay applies (matrices), not to biases, norms, tokens, positions, scales. */
  decay: boolean;
  center?: number[];
  /** The axis indexed by attention head, if any (heads are re-ordered together with q/k/v). */
  headAxis?: number;
  /**
   * One token grid's copy of a token-indexed weight (`tokenWeights: "per-grid"`, space.ts): the name architectures
   * read it by and the side of the grid they must have to read this copy.
   */
  grid?: { of: string; side: number };
}

/** What a forward pass reads weights through. */
export interface WeightSource {
  /** The active block of `shape` of weight `name` (leading along every axis, centred along `center` axes). */
  get(name: string, shape: number[]): tf.Tensor;
}

export function sliceBegin(
  full: readonly number[],
  shape: readonly number[],
  center: readonly number[] = [],
): number[] {
  return full.map((n, axis) => {
    const want = shape[axis]!;
    if (want > n) throw new Error(`slice of ${want} along axis ${axis} exceeds the weight's ${n}`);
    return center.includes(axis) ? Math.floor((n - want) / 2) : 0;
  });
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Initial values of one weight, deterministic in (seed, name, scheme). */
export function initialValues(spec: WeightSpec, seed: number, scheme: InitScheme = "fan-in"): Float32Array {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  const rng = new Random(seed, hashName(spec.name));
  const uniform = (bound: number) => {
    for (let i = 0; i < size; i++) out[i] = (2 * rng.next() - 1) * bound;
  };
  const truncNormal = (std: number) => {
    // Truncated at two standard deviations, as ViT implementations do.
    for (let i = 0; i < size; i++) {
      let z = rng.normal();
      while (Math.abs(z) > 2) z = rng.normal();
      out[i] = z * std;
    }
  };
  switch (spec.init.kind) {
    case "zeros":
      break;
    case "ones":
      out.fill(1);
      break;
    case "normal":
      truncNormal(spec.init.std);
      break;
    case "dense": {
      if (scheme === "trunc-normal") {
        truncNormal(TRUNC_NORMAL_STD);
        break;
      }
      const fanIn = spec.init.fanIn.reduce((n, axis) => n * spec.shape[axis]!, 1);
      // kaiming_uniform(a = sqrt 5), PyTorch's Linear/Conv default, reduces to a bound of 1/sqrt(fan-in).
      uniform(spec.init.xavier ? Math.sqrt(6 / (fanIn + size / fanIn)) : 1 / Math.sqrt(fanIn));
      break;
    }
    case "dense-bias":
      if (scheme === "fan-in") uniform(1 / Math.sqrt(spec.init.fanIn));
      break;
    case "orthogonal-features":
      orthogonalFeatures(out, spec.shape[0]!, spec.shape[1]!, rng);
      break;
  }
  return out;
}

/**
 * Performer's random features: rows in blocks of `d` mutually orthogonal directions (Gram-Schmidt on Gaussian
 * vectors), each row rescaled to the norm of a fresh Gaussian vector so the rows stay unbiased.
 */
function orthogonalFeatures(out: Float32Array, rows: number, d: number, rng: Random) {
  for (let start = 0; start < rows; start += d) {
    const block: Float64Array[] = [];
    for (let r = start; r < Math.min(rows, start + d); r++) {
      const v = Float64Array.from({ length: d }, () => rng.normal());
      for (const u of block) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += v[i]! * u[i]!;
        for (let i = 0; i < d; i++) v[i]! -= dot * u[i]!;
      }
      let norm = 0;
      for (let i = 0; i < d; i++) norm += v[i]! * v[i]!;
      norm = Math.sqrt(norm) || 1;
      for (let i = 0; i < d; i++) v[i]! /= norm;
      block.push(v);
      let scale = 0;
      for (let i = 0; i < d; i++) scale += rng.normal() ** 2;
      scale = Math.sqrt(scale);
      for (let i = 0; i < d; i++) out[r * d + i] = v[i]! * scale;
    }
  }
}

/** A weight source over exact-size tensors (a standalone model): every request must match the stored shape. */
export class ExactWeights implements WeightSource {
  constructor(readonly tensors: Map<string, tf.Tensor>) {}

  get(name: string, shape: number[]): tf.Tensor {
    const t = this.tensors.get(name);
    if (!t) throw new Error(`weight ${name} is missing`);
    if (!sameShape(t.shape, shape)) throw new Error(`weight ${name} has shape [${t.shape}], expected [${shape}]`);
    return t;
  }
}
