// Channel re-ordering ("rewiring", ViT-ResNAS): during the candidate warm-up, each block's MLP hidden units and
// attention heads are sorted by L1 importance (sum of |weights| feeding in and out), so the leading slices that
// smaller sub-networks use hold the most important units. A permutation of hidden units or heads leaves the
// largest sub-network's function unchanged; the AdamW moments are permuted with their weights.
// Not re-ordered: the residual-stream width. Its channels are tied across every block, LayerNorm, reduction
// (zero-padding maps channel i of one stage to channel i of the next) and the head, so one permutation would have
// to move the whole network at once; the ViT-ResNAS prefixes of the width keep their training order.
import * as tf from "@tensorflow/tfjs";
import type { AdamW } from "./adamw";
import { blockLayers, blockPrefix, projectionNames, typeOwner } from "./block-weights";
import type { Supernet } from "./supernet";

export function rewire(supernet: Supernet, optimizer?: AdamW) {
  const { space } = supernet;
  space.stages.forEach((stage, s) => {
    for (let j = 0; j < Math.max(...stage.depth); j++) {
      const p = blockPrefix(s, j);
      if (supernet.attentionWeights === "per-type-block") {
        // Each type's own block: its MLP units and heads sorted by its own weights.
        for (const type of new Set(stage.attention.map((a) => a.type))) {
          const owner = typeOwner(p, type);
          rewireMlp(supernet, optimizer, owner);
          if (supernet.variables.has(projectionNames(owner).qkvW))
            rewireHeads(supernet, optimizer, owner, `${owner}.`, stage.headDim);
        }
        continue;
      }
      rewireMlp(supernet, optimizer, p);
      if (supernet.attentionWeights === "shared") {
        // One head order for the block: every type's head-indexed extras follow it.
        if (supernet.variables.has(projectionNames(p).qkvW))
          rewireHeads(supernet, optimizer, p, `${p}.`, stage.headDim);
      } else {
        for (const type of new Set(stage.attention.map((a) => a.type))) {
          const owner = typeOwner(p, type);
          if (supernet.variables.has(projectionNames(owner).qkvW))
            rewireHeads(supernet, optimizer, owner, `${owner}.`, stage.headDim);
        }
      }
    }
  });
}

function rewireMlp(supernet: Supernet, optimizer: AdamW | undefined, p: string) {
  const { mlp1, mlp2 } = blockLayers(p);
  const w1 = supernet.variables.get(`${mlp1}.w`)!;
  const w2 = supernet.variables.get(`${mlp2}.w`)!;
  const importance = tf.tidy(() => tf.add(tf.sum(tf.abs(w1), 0), tf.sum(tf.abs(w2), 1)));
  const order = descending(importance);
  permute(supernet, optimizer, `${mlp1}.w`, order, 1);
  permute(supernet, optimizer, `${mlp1}.b`, order, 0);
  permute(supernet, optimizer, `${mlp2}.w`, order, 0);
}

/** Sorts the heads of the projections under `p` and of every head-indexed weight named under `extras`. */
function rewireHeads(supernet: Supernet, optimizer: AdamW | undefined, p: string, extras: string, d: number) {
  const names = projectionNames(p);
  const qkv = supernet.variables.get(names.qkvW)!; // [D, 3, H*d]
  const proj = supernet.variables.get(names.projW)!; // [H*d, D]
  const [dm, , a] = qkv.shape as [number, number, number];
  const h = a / d;
  const importance = tf.tidy(() =>
    tf.add(
      tf.sum(tf.abs(tf.reshape(qkv, [dm, 3, h, d])), [0, 1, 3]),
      tf.sum(tf.abs(tf.reshape(proj, [h, d, -1])), [1, 2]),
    ),
  );
  const order = descending(importance);
  // Heads are blocks of d channels: permute through views with a separate head axis.
  permute(supernet, optimizer, names.qkvW, order, 2, [dm, 3, h, d]);
  permute(supernet, optimizer, names.qkvB, order, 1, [3, h, d]);
  permute(supernet, optimizer, names.projW, order, 0, [h, d, proj.shape[1]!]);
  for (const [name, spec] of supernet.specs) {
    if (name.startsWith(extras) && spec.headAxis !== undefined)
      permute(supernet, optimizer, name, order, spec.headAxis);
  }
}

/** Indices sorting a 1-D tensor from largest to smallest (ties keep their order). */
function descending(values: tf.Tensor): number[] {
  const v = values.dataSync();
  values.dispose();
  return Array.from(v.keys()).sort((x, y) => v[y]! - v[x]! || x - y);
}

function permute(
  supernet: Supernet,
  optimizer: AdamW | undefined,
  name: string,
  order: number[],
  axis: number,
  view?: number[],
) {
  // The permuted values go into a fresh tensor of the variable's own shape: a reshape shares its input's storage,
  // and the wasm backend's fused matmul reads the rank of that storage, so a bias assigned from a reshaped
  // [1, 3, h, d] gather is refused there. Re-ordering runs a few times per training, so the copy costs nothing.
  const apply = (t: tf.Tensor) => {
    const permuted = tf.tidy(() => {
      const shaped = view ? tf.reshape(t, view) : t;
      return tf.gather(shaped, tf.tensor1d(order, "int32"), axis);
    });
    const fresh = tf.tensor(permuted.dataSync(), t.shape, t.dtype);
    permuted.dispose();
    return fresh;
  };
  const v = supernet.variables.get(name)!;
  const next = apply(v);
  v.assign(next);
  next.dispose();
  const slot = optimizer?.slots.get(name);
  if (slot) {
    const m = apply(slot.m);
    const s = apply(slot.v);
    tf.dispose([slot.m, slot.v]);
    optimizer!.slots.set(name, { m, v: s, t: slot.t });
  }
}
