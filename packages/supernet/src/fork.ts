// The end of the attention warm-up (docs/training-recipe.md): every block has run its stage's first attention type
// alone, so with weights owned per type (per-type, per-type-block) only that type's are trained. Each other type's
// own copy of a layer the first type also owns (norms, q/k/v and output projections, MLP) starts from the first
// type's trained weights and AdamW moments, as Once-for-All's progressive shrinking starts each new choice from the
// trained network rather than from scratch. Types' extras (performer's features, linformer's projections ...) have
// no counterpart and keep their own. With shared weights there is nothing to copy.
import * as tf from "@tensorflow/tfjs";
import type { AdamW } from "./adamw";
import { blockPrefix, typeOwner } from "./block-weights";
import type { Supernet } from "./supernet";

/** The layers a type's owner may hold that another type's owner holds under the same name. */
const LAYER = /^(?:ln1|ln2|mlp1|mlp2|qkv|proj)\.[wbg]$/;

/** Copies the first attention type's layers onto every other type's in each block; returns the names written. */
export function forkAttentionTypes(supernet: Supernet, optimizer?: AdamW): string[] {
  if (supernet.attentionWeights === "shared") return [];
  const written: string[] = [];
  supernet.space.stages.forEach((stage, s) => {
    const [first, ...rest] = [...new Set(stage.attention.map((a) => a.type))];
    for (let j = 0; j < Math.max(...stage.depth); j++) {
      const block = blockPrefix(s, j);
      const from = `${typeOwner(block, first!)}.`;
      for (const type of rest) {
        const to = `${typeOwner(block, type)}.`;
        for (const [name, target] of supernet.variables) {
          if (!name.startsWith(to) || !LAYER.test(name.slice(to.length))) continue;
          const sourceName = from + name.slice(to.length);
          const source = supernet.variables.get(sourceName);
          if (!source?.shape.every((x, i) => x === target.shape[i])) continue;
          target.assign(source);
          copySlot(optimizer, sourceName, name);
          written.push(name);
        }
      }
    }
  });
  return written;
}

/** The target's AdamW state becomes a copy of the source's (none when the source has none). */
function copySlot(optimizer: AdamW | undefined, source: string, target: string) {
  if (!optimizer) return;
  const old = optimizer.slots.get(target);
  old?.m.dispose();
  old?.v.dispose();
  optimizer.slots.delete(target);
  const slot = optimizer.slots.get(source);
  if (slot) optimizer.slots.set(target, { m: tf.keep(tf.clone(slot.m)), v: tf.keep(tf.clone(slot.v)), t: slot.t });
}
