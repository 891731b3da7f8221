// The CIFAR-10 binary format: records of 1 label byte + 3072 bytes of 32x32 pixels, channel-major (all red, then
// green, then blue), in data_batch_1..5.bin (training) and test_batch.bin.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { RawImages } from "./raw";

export const CIFAR10_CLASSES = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
];
const SIZE = 32;
const RECORD = 1 + 3 * SIZE * SIZE;

export async function readCifarBatches(files: string[]): Promise<RawImages> {
  const buffers = await Promise.all(files.map((f) => readFile(f)));
  buffers.forEach((b, i) => {
    if (b.length === 0 || b.length % RECORD !== 0) {
      throw new Error(`${files[i]}: not a CIFAR-10 batch (${b.length} bytes is not a multiple of ${RECORD})`);
    }
  });
  const count = buffers.reduce((sum, b) => sum + b.length / RECORD, 0);
  const images = new Float32Array(count * 3 * SIZE * SIZE);
  const labels = new Int32Array(count);
  let n = 0;
  buffers.forEach((buffer, f) => {
    for (let r = 0; r < buffer.length / RECORD; r++, n++) {
      const at = r * RECORD;
      const label = buffer[at]!;
      if (label >= CIFAR10_CLASSES.length) throw new Error(`${files[f]}: record ${r} has label ${label}, above 9`);
      labels[n] = label;
      const out = n * 3 * SIZE * SIZE;
      for (let c = 0; c < 3; c++) {
        for (let p = 0; p < SIZE * SIZE; p++) images[out + p * 3 + c] = buffer[at + 1 + c * SIZE * SIZE + p]! / 255;
      }
    }
  });
  return { images, labels, count, imageSize: SIZE, channels: 3 };
}

/** The training batch files present under `dir`, in order; an error names what is missing. */
export function cifarTrainingFiles(dir: string): string[] {
  if (!existsSync(dir)) throw new Error(`dataset.path: ${dir} does not exist`);
  const files = [1, 2, 3, 4, 5].map((i) => join(dir, `data_batch_${i}.bin`)).filter((f) => existsSync(f));
  if (files.length === 0) throw new Error(`dataset.path: ${dir} holds no CIFAR-10 training batch (data_batch_1.bin)`);
  return files;
}

export async function cifarClassNames(dir: string): Promise<string[]> {
  const meta = join(dir, "batches.meta.txt");
  if (!existsSync(meta)) return CIFAR10_CLASSES;
  const names = (await readFile(meta, "utf8")).split(/\r?\n/).filter((line) => line.trim() !== "");
  return names.length === CIFAR10_CLASSES.length ? names : CIFAR10_CLASSES;
}
