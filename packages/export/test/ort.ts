// Runs an exported model in ONNX Runtime (onnxruntime-node, CPU) and compares with the tfjs model.
import type * as tf from "@tensorflow/tfjs";
import * as ort from "onnxruntime-node";

export async function ortSession(bytes: Uint8Array, threads = 1): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1 });
}

/** logits of `images` (already in the session's layout). */
export async function ortLogits(session: ort.InferenceSession, images: tf.Tensor4D): Promise<Float32Array> {
  const input = new ort.Tensor("float32", (await images.data()) as Float32Array, images.shape);
  const out = await session.run({ images: input });
  return out.logits!.data as Float32Array;
}

/** max |a - b| / max |b|: the difference relative to the reference's scale, and that scale. */
export function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): { relative: number; scale: number } {
  if (a.length !== b.length) throw new Error(`${a.length} values against ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return { relative: diff / scale, scale };
}
