// The fixed conv stem (convs with batch norm, residual groups) and the patch embedding to the first stage's width.
// The stem is not searched, so a training step runs it once on the whole batch and every sub-network shares it.
import * as tf from "@tensorflow/tfjs";
import type { StemConvSpec, StemSpec } from "@vitnas/formats";
import { conv, gelu } from "./layers";
import type { WeightSource, WeightSpec } from "./weights";

/** Batch statistics of one batch-norm layer in a training pass, for the running averages. */
export interface BatchStats {
  name: string;
  mean: tf.Tensor;
  variance: tf.Tensor;
}

export const BATCH_NORM_MOMENTUM = 0.1;

/** Each stem conv with its weight-name prefix, in order. */
export function stemConvs(stem: StemSpec): { name: string; spec: StemConvSpec; group?: number }[] {
  const out: { name: string; spec: StemConvSpec; group?: number }[] = [];
  stem.convs.forEach((entry, i) => {
    if (!("residual" in entry)) {
      out.push({ name: `stem.${i}`, spec: entry });
      return;
    }
    entry.residual.forEach((spec, j) => {
      out.push({ name: `stem.${i}.${j}`, spec, group: i });
    });
  });
  return out;
}

export function stemWeights(stem: StemSpec, channels: number): { specs: WeightSpec[]; outChannels: number } {
  const specs: WeightSpec[] = [];
  let c = channels;
  for (const { name, spec } of stemConvs(stem)) {
    const fanIn = spec.kernel * spec.kernel * c;
    const std = Math.sqrt((spec.act === "none" ? 1 : 2) / fanIn);
    specs.push({
      name: `${name}.w`,
      shape: [fanIn, spec.out],
      init: { kind: "normal", std },
      trainable: true,
      decay: true,
    });
    if (spec.norm === "batch") {
      specs.push({ name: `${name}.bn.g`, shape: [spec.out], init: { kind: "ones" }, trainable: true, decay: false });
      specs.push({ name: `${name}.bn.b`, shape: [spec.out], init: { kind: "zeros" }, trainable: true, decay: false });
      specs.push({
        name: `${name}.bn.mean`,
        shape: [spec.out],
        init: { kind: "zeros" },
        trainable: false,
        decay: false,
      });
      specs.push({ name: `${name}.bn.var`, shape: [spec.out], init: { kind: "ones" }, trainable: false, decay: false });
    } else {
      specs.push({ name: `${name}.b`, shape: [spec.out], init: { kind: "zeros" }, trainable: true, decay: false });
    }
    c = spec.out;
  }
  return { specs, outChannels: c };
}

/** images [B, H, W, C] -> stem features [B, H', W', C']; in training also each batch norm's batch statistics. */
export function stemForward(
  stem: StemSpec,
  w: WeightSource,
  images: tf.Tensor4D,
  training: boolean,
): { out: tf.Tensor4D; stats: BatchStats[] } {
  const stats: BatchStats[] = [];
  let x = images;
  let groupInput: tf.Tensor4D | undefined;
  let group: number | undefined;
  const convs = stemConvs(stem);
  convs.forEach(({ name, spec, group: g }, i) => {
    if (g !== undefined && g !== group) groupInput = x;
    group = g;
    const cin = x.shape[3];
    let y: tf.Tensor = conv(
      x,
      w.get(`${name}.w`, [spec.kernel * spec.kernel * cin, spec.out]),
      spec.kernel,
      spec.stride,
      spec.padding,
    );
    if (spec.norm === "batch") {
      let mean: tf.Tensor;
      let variance: tf.Tensor;
      if (training) {
        ({ mean, variance } = tf.moments(y, [0, 1, 2]));
        stats.push({ name, mean, variance });
      } else {
        mean = w.get(`${name}.bn.mean`, [spec.out]);
        variance = w.get(`${name}.bn.var`, [spec.out]);
      }
      const normed = tf.mul(tf.sub(y, mean), tf.rsqrt(tf.add(variance, 1e-5)));
      y = tf.add(tf.mul(normed, w.get(`${name}.bn.g`, [spec.out])), w.get(`${name}.bn.b`, [spec.out]));
    } else {
      y = tf.add(y, w.get(`${name}.b`, [spec.out]));
    }
    const lastOfGroup = g !== undefined && convs[i + 1]?.group !== g;
    // A residual group's input is added to the output of the convs it holds, after the last one's activation.
    y = spec.act === "relu" ? tf.relu(y) : spec.act === "gelu" ? gelu(y) : y;
    if (lastOfGroup && groupInput) y = tf.add(y, groupInput);
    x = y as tf.Tensor4D;
  });
  return { out: x, stats };
}
