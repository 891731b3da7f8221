// A standalone model of one architecture: its own exact-size weights (copied out of the super-network), runnable
// and loadable without it. On disk, a directory:
//   arch.json      the `vit-arch/v1` architecture
//   weights.json   { format: "vitnas-weights/v1", arch, tensors: [{ name, shape, offset, trainable }], sha256 }
//   weights.bin    float32 little-endian, each tensor at its byte offset (row-major)
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { VitArch } from "@vitnas/formats";
import { archForward } from "./model";
import { stemForward } from "./stem";
import { type NamedArray, packTensors, type TensorEntry, unpackTensors, writeFileAtomic } from "./tensor-file";
import { ExactWeights } from "./weights";

export const WEIGHTS_FORMAT = "vitnas-weights/v1";

interface WeightsManifest {
  format: typeof WEIGHTS_FORMAT;
  arch: VitArch;
  tensors: (TensorEntry & { trainable: boolean })[];
  sha256: string;
}

export class StandaloneModel {
  private readonly weights: ExactWeights;

  /** Takes ownership of `tensors`; `trainable` names the ones that are parameters (not fixed buffers). */
  constructor(
    readonly arch: VitArch,
    tensors: Map<string, tf.Tensor>,
    readonly trainable: Set<string>,
  ) {
    this.weights = new ExactWeights(tensors);
  }

  get tensors(): Map<string, tf.Tensor> {
    return this.weights.tensors;
  }

  /** images NHWC, normalised like the training data -> logits [batch, classes]. */
  predict(images: tf.Tensor4D): tf.Tensor2D {
    const { imageSize, channels } = this.arch.input;
    const [, h, w, c] = images.shape;
    if (h !== imageSize || w !== imageSize || c !== channels) {
      throw new Error(`images are ${h}x${w}x${c}, the model wants ${imageSize}x${imageSize}x${channels}`);
    }
    return tf.tidy(() => {
      const { out } = stemForward(this.arch.stem, this.weights, images, false);
      return archForward(this.arch, this.weights, out, { training: false, castlingBranch: 0 });
    });
  }

  /** Trainable numbers: equals countArch(arch).params. */
  paramCount(): number {
    let n = 0;
    for (const [name, t] of this.tensors) if (this.trainable.has(name)) n += t.size;
    return n;
  }

  async save(dir: string): Promise<void> {
    const arrays: NamedArray[] = [];
    for (const [name, t] of this.tensors)
      arrays.push({ name, shape: t.shape, values: (await t.data()) as Float32Array });
    const { entries, bytes, sha256 } = packTensors(arrays);
    const manifest: WeightsManifest = {
      format: WEIGHTS_FORMAT,
      arch: this.arch,
      tensors: entries.map((e) => ({ ...e, trainable: this.trainable.has(e.name) })),
      sha256,
    };
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(join(dir, "weights.bin"), bytes);
    await writeFileAtomic(join(dir, "arch.json"), `${JSON.stringify(this.arch, null, 2)}\n`);
    await writeFileAtomic(join(dir, "weights.json"), JSON.stringify(manifest));
  }

  static async load(dir: string): Promise<StandaloneModel> {
    let manifest: WeightsManifest;
    try {
      manifest = JSON.parse(await readFile(join(dir, "weights.json"), "utf8")) as WeightsManifest;
    } catch (error) {
      throw new Error(`no readable weights.json in ${dir}: ${(error as Error).message}`);
    }
    if (manifest.format !== WEIGHTS_FORMAT)
      throw new Error(`${dir}/weights.json: format "${manifest.format}", expected ${WEIGHTS_FORMAT}`);
    const arrays = await unpackTensors(join(dir, "weights.bin"), manifest.tensors, manifest.sha256);
    const tensors = new Map(arrays.map((a) => [a.name, tf.tensor(a.values, a.shape)]));
    const trainable = new Set(manifest.tensors.filter((t) => t.trainable).map((t) => t.name));
    return new StandaloneModel(manifest.arch, tensors, trainable);
  }

  dispose() {
    for (const t of this.tensors.values()) t.dispose();
  }
}
