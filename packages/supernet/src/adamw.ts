// AdamW (Loshchilov & Hutter): Adam moments plus weight decay applied to the weights directly, not through the
// gradient: w -= lr * (m^ / (sqrt(v^) + eps) + decay * w). A weight no sub-network of a step read gets no update.
import * as tf from "@tensorflow/tfjs";
import { adamwUpdate, hasAdamWKernel } from "./kernels/adamw";

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
}

export interface AdamWSlot {
  m: tf.Tensor;
  v: tf.Tensor;
  /** Updates this weight has had (its own bias-correction step). */
  t: number;
}

export class AdamW {
  readonly slots = new Map<string, AdamWSlot>();
  readonly options: AdamWOptions;

  /** `fused` false: tfjs ops even where the backend has the fused kernel (tests compare the two). */
  constructor(
    options: Partial<AdamWOptions> = {},
    readonly fused = true,
  ) {
    this.options = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, ...options };
  }

  /** One update of each named weight from its gradient; `decay(name)` is its decoupled weight decay. */
  apply(weights: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, lr: number, decay: (name: string) => number) {
    const { beta1, beta2, epsilon } = this.options;
    // One fused kernel per weight where the backend has it (kernels/adamw.ts), the same update in tfjs ops elsewhere.
    const fused = this.fused && hasAdamWKernel();
    for (const [name, grad] of grads) {
      const w = weights.get(name);
      if (!w) throw new Error(`AdamW: gradient for unknown weight ${name}`);
      const slot = this.slots.get(name) ?? { m: tf.keep(tf.zerosLike(w)), v: tf.keep(tf.zerosLike(w)), t: 0 };
      const t = slot.t + 1;
      if (fused) {
        const [next, m, v] = adamwUpdate(w, grad, slot.m, slot.v, { lr, beta1, beta2, epsilon, decay: decay(name), t });
        w.assign(next!);
        next!.dispose();
        slot.m.dispose();
        slot.v.dispose();
        this.slots.set(name, { m: tf.keep(m!), v: tf.keep(v!), t });
        continue;
      }
      const next = tf.tidy(() => {
        const m = tf.add(tf.mul(slot.m, beta1), tf.mul(grad, 1 - beta1));
        const v = tf.add(tf.mul(slot.v, beta2), tf.mul(tf.square(grad), 1 - beta2));
        const mHat = tf.div(m, 1 - beta1 ** t);
        const vHat = tf.div(v, 1 - beta2 ** t);
        let update = tf.div(mHat, tf.add(tf.sqrt(vHat), epsilon));
        const wd = decay(name);
        if (wd > 0) update = tf.add(update, tf.mul(w, wd));
        w.assign(tf.sub(w, tf.mul(update, lr)));
        return { m: tf.keep(m), v: tf.keep(v) };
      });
      slot.m.dispose();
      slot.v.dispose();
      this.slots.set(name, { m: next.m, v: next.v, t });
    }
  }

  /** Replaces the state (checkpoint load); takes ownership of the tensors. */
  restore(slots: Map<string, AdamWSlot>) {
    this.dispose();
    for (const [name, slot] of slots) this.slots.set(name, slot);
  }

  dispose() {
    for (const slot of this.slots.values()) {
      slot.m.dispose();
      slot.v.dispose();
    }
    this.slots.clear();
  }
}
