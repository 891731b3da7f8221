// Fixed matrices (DFT, segment means, identities) built once per size and kept outside any tidy scope.
import * as tf from "@tensorflow/tfjs";

const cache = new Map<string, tf.Tensor>();

export function cachedConstant(key: string, build: () => tf.Tensor): tf.Tensor {
  const hit = cache.get(key);
  if (hit && !hit.isDisposed) return hit;
  const made = tf.tidy(() => tf.keep(build()));
  cache.set(key, made);
  return made;
}

/** Drops every cached constant (they are rebuilt on demand), e.g. after switching backends. */
export function clearConstants() {
  for (const t of cache.values()) t.dispose();
  cache.clear();
}
