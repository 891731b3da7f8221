// NumPy arrays as Keras and many scripts save them: x_train, y_train, x_test, y_test in an .npz (a zip of .npy files,
// stored or deflated) or as .npy files in a directory. Images are uint8, NHW (grayscale) or NHWC with 1 or 3
// channels; labels are integers, shape (N) or (N, 1).
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import yauzl from "yauzl";
import { type NpyArray, npyIntegers, parseNpy } from "./npy";
import { type ByteImages, bytesToRaw, type RawImages } from "./raw";

export const NPZ_KEYS = ["x_train", "y_train", "x_test", "y_test"] as const;
export type NpzKey = (typeof NPZ_KEYS)[number];

/** Square uint8 images, HWC per image, and their labels. */
export interface NpzImages extends ByteImages {
  count: number;
}

function readZipEntries(file: string, wanted: ReadonlySet<string>): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    const found = new Map<string, Buffer>();
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(new Error(`${file}: not a readable .npz (zip) file (${err?.message})`));
      zip.on("error", (e: Error) => reject(new Error(`${file}: ${e.message}`)));
      zip.on("end", () => resolve(found));
      zip.on("entry", (entry: yauzl.Entry) => {
        if (!wanted.has(entry.fileName)) return zip.readEntry();
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(new Error(`${file}: ${entry.fileName}: ${e?.message}`));
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("error", (se: Error) => reject(new Error(`${file}: ${entry.fileName}: ${se.message}`)));
          stream.on("end", () => {
            found.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/** The arrays of an .npz file or of a directory's .npy files; x_train and y_train are required. */
export async function readNpzArrays(path: string, field = "dataset.path"): Promise<Partial<Record<NpzKey, NpyArray>>> {
  if (!existsSync(path)) throw new Error(`${field}: ${path} does not exist`);
  const arrays: Partial<Record<NpzKey, NpyArray>> = {};
  if (statSync(path).isDirectory()) {
    for (const key of NPZ_KEYS) {
      const file = join(path, `${key}.npy`);
      if (existsSync(file)) arrays[key] = parseNpy(await readFile(file), `${key}.npy`);
    }
  } else {
    const entries = await readZipEntries(path, new Set(NPZ_KEYS.map((k) => `${k}.npy`)));
    for (const key of NPZ_KEYS) {
      const bytes = entries.get(`${key}.npy`);
      if (bytes) arrays[key] = parseNpy(bytes, `${key}.npy`);
    }
  }
  for (const key of ["x_train", "y_train"] as const) {
    if (!arrays[key]) throw new Error(`${field}: ${path} holds no ${key} array (${key}.npy)`);
  }
  if ((arrays.x_test === undefined) !== (arrays.y_test === undefined)) {
    throw new Error(`${field}: ${path} holds one of x_test and y_test without the other`);
  }
  return arrays;
}

/** Images and labels of one split, checked: uint8 NHW or NHWC (1 or 3 channels), square, one label each. */
export function npzImages(x: NpyArray, y: NpyArray, xName: string, yName: string): NpzImages {
  if (!/^[|<>=]?u1$/.test(x.dtype)) throw new Error(`${xName}: images must be uint8, not ${x.dtype}`);
  if (x.shape.length !== 3 && x.shape.length !== 4) {
    throw new Error(`${xName}: shape (${x.shape.join(", ")}); images need NHW or NHWC`);
  }
  const [count, rows, columns, channels = 1] = x.shape as [number, number, number, number?];
  if (channels !== 1 && channels !== 3) throw new Error(`${xName}: ${channels} channels; 1 or 3 are read`);
  if (rows !== columns) throw new Error(`${xName}: images are ${rows}x${columns}, not square`);
  if (!(y.shape.length === 1 || (y.shape.length === 2 && y.shape[1] === 1))) {
    throw new Error(`${yName}: shape (${y.shape.join(", ")}); labels need (N) or (N, 1)`);
  }
  if (y.shape[0] !== count) throw new Error(`${yName}: ${y.shape[0]} labels, but ${xName} holds ${count} images`);
  return { count, size: rows, channels, pixels: x.data, labels: npyIntegers(y, yName) };
}

/** The images at `indices` as [0, 1] floats (as idx reads them); colour images cannot become one channel. */
export function npzToRaw(set: NpzImages, indices: number[], imageSize: number, channels: number): RawImages {
  if (set.channels === 3 && channels !== 3) {
    throw new Error(`dataset: the images have 3 channels but the search space's input.channels is ${channels}`);
  }
  return bytesToRaw(set, indices, imageSize, channels);
}
