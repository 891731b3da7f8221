// The IDX format of MNIST, Fashion-MNIST, KMNIST and EMNIST: a big-endian header (two zero bytes, an element type,
// the number of dimensions, then each dimension as a uint32) followed by the elements; images are count x rows x
// columns unsigned bytes, labels one unsigned byte each. Files may be gzipped.
import { existsSync, readdirSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import type { IdxDatasetSpec } from "@vitnas/formats";
import { bytesToRaw, type RawImages } from "./raw";

const UNSIGNED_BYTE = 0x08;
const gunzipAsync = promisify(gunzip);

export const FASHION_MNIST_CLASSES = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

/** The elements of one IDX file and its dimensions. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** One IDX file, gunzipped when it starts with the gzip magic; every error names the file. */
export async function readIdx(file: string): Promise<IdxArray> {
  let bytes: Uint8Array = await readFile(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = await gunzipAsync(bytes);
    } catch (err) {
      throw new Error(`${file}: cannot be gunzipped (${(err as Error).message})`);
    }
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new Error(`${file}: not an IDX file (it must start with two zero bytes)`);
  }
  if (bytes[2] !== UNSIGNED_BYTE) {
    const type = `0x${bytes[2]!.toString(16).padStart(2, "0")}`;
    throw new Error(`${file}: unsupported IDX element type ${type} (only 0x08, unsigned byte, is read)`);
  }
  const rank = bytes[3]!;
  const header = 4 + 4 * rank;
  if (rank === 0) throw new Error(`${file}: the IDX header has no dimensions`);
  if (bytes.length < header) throw new Error(`${file}: truncated IDX header (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, b) => a * b, 1);
  const held = bytes.length - header;
  if (held < size) {
    throw new Error(`${file}: truncated: its header says ${dims.join("x")} = ${size} bytes of data, it holds ${held}`);
  }
  if (held > size) {
    throw new Error(`${file}: ${held - size} bytes beyond the ${dims.join("x")} its header declares`);
  }
  return { dims, data: bytes.subarray(header) };
}

/** Square unsigned-byte images and their labels, as stored. */
export interface IdxImages {
  count: number;
  size: number;
  pixels: Uint8Array;
  labels: Int32Array;
}

export async function readIdxImages(imagesFile: string, labelsFile: string): Promise<IdxImages> {
  const [images, labels] = await Promise.all([readIdx(imagesFile), readIdx(labelsFile)]);
  if (images.dims.length !== 3) {
    throw new Error(`${imagesFile}: ${images.dims.length} dimensions; images need 3 (count, rows, columns)`);
  }
  if (labels.dims.length !== 1) {
    throw new Error(`${labelsFile}: ${labels.dims.length} dimensions; labels need 1 (count)`);
  }
  const [count, rows, columns] = images.dims as [number, number, number];
  if (rows !== columns) throw new Error(`${imagesFile}: images are ${rows}x${columns}, not square`);
  if (labels.dims[0] !== count) {
    throw new Error(`${labelsFile}: ${labels.dims[0]} labels, but ${imagesFile} holds ${count} images`);
  }
  return { count, size: rows, pixels: images.data, labels: Int32Array.from(labels.data) };
}

/** The number of classes of the training labels: they must be 0..classes-1, each present. */
export function idxClasses(labels: Int32Array, file: string): number {
  const present = new Set(labels);
  const classes = Math.max(...present) + 1;
  const missing = Array.from({ length: classes }, (_, c) => c).filter((c) => !present.has(c));
  if (missing.length > 0) {
    throw new Error(
      `${file}: labels must be 0..classes-1 with every class present; labels run ${Math.min(...present)}..${classes - 1} without ${missing.slice(0, 5).join(", ")}`,
    );
  }
  if (classes < 2) throw new Error(`${file}: one class (label 0); at least 2`);
  return classes;
}

/** The images at `indices` as [0, 1] floats, resized to `imageSize` and replicated into `channels` (1 or 3). */
export function idxToRaw(set: IdxImages, indices: number[], imageSize: number, channels: number): RawImages {
  return bytesToRaw({ ...set, channels: 1 }, indices, imageSize, channels);
}

export interface IdxFiles {
  trainImages: string;
  trainLabels: string;
  testImages: string;
  testLabels: string;
}
type Role = keyof IdxFiles;
const ROLES: Role[] = ["trainImages", "trainLabels", "testImages", "testLabels"];
const STANDARD: Record<Role, string> = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
};
const EMNIST: Record<Role, string> = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "test-images-idx3-ubyte",
  testLabels: "test-labels-idx1-ubyte",
};

/** The plain or gzipped file of `name` in `dir`, if either exists. */
function present(dir: string, name: string): string | undefined {
  return [name, `${name}.gz`].map((n) => join(dir, n)).find((f) => existsSync(f));
}

/**
 * The four files of a spec: those it names (relative to `path` or absolute), the rest by their standard names
 * (train-images-idx3-ubyte, t10k-...), or else EMNIST's emnist-<split>-train-images-idx3-ubyte when one split is there.
 */
export function idxFiles(spec: IdxDatasetSpec): IdxFiles {
  const dir = spec.path;
  if (!existsSync(dir)) throw new Error(`dataset.path: ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new Error(`dataset.path: ${dir} is not a directory`);
  const names = ROLES.map((role) => [role, STANDARD[role]] as const);
  if (!ROLES.every((role) => spec[role] !== undefined) && !present(dir, STANDARD.trainImages)) {
    const splits = readdirSync(dir)
      .map((f) => /^emnist-(.+)-train-images-idx3-ubyte(\.gz)?$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined);
    const unique = [...new Set(splits)].sort();
    if (unique.length > 1) {
      throw new Error(
        `dataset.path: ${dir} holds several EMNIST splits (${unique.join(", ")}); name one's files with dataset.trainImages, trainLabels, testImages and testLabels`,
      );
    }
    if (unique.length === 1) names.splice(0, 4, ...ROLES.map((r) => [r, `emnist-${unique[0]}-${EMNIST[r]}`] as const));
  }
  const files = {} as IdxFiles;
  for (const [role, name] of names) {
    const given = spec[role];
    if (given !== undefined) {
      const file = resolve(dir, given);
      if (!existsSync(file)) throw new Error(`dataset.${role}: ${file} does not exist`);
      files[role] = file;
      continue;
    }
    const found = present(dir, name);
    if (!found) {
      throw new Error(
        `dataset.path: ${dir} has no ${name} or ${name}.gz${role === "trainImages" ? " (nor one emnist-<split>-train-images-idx3-ubyte)" : ""}; name the file with dataset.${role}`,
      );
    }
    files[role] = found;
  }
  return files;
}

/** `classes.txt` in the directory (one name per line), Fashion-MNIST's names for a "fashion" directory, else digits. */
export async function idxClassNames(dir: string, classes: number): Promise<string[]> {
  const listed = join(dir, "classes.txt");
  if (existsSync(listed)) {
    const names = (await readFile(listed, "utf8")).split(/\r?\n/).filter((line) => line.trim() !== "");
    if (names.length !== classes) throw new Error(`${listed}: ${names.length} names for ${classes} classes`);
    return names.map((n) => n.trim());
  }
  if (classes === FASHION_MNIST_CLASSES.length && basename(resolve(dir)).toLowerCase().includes("fashion")) {
    return FASHION_MNIST_CLASSES;
  }
  return Array.from({ length: classes }, (_, i) => String(i));
}
