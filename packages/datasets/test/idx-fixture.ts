// Tiny MNIST-style IDX files written by the tests themselves.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/** One IDX file: two zero bytes, the element type, the dimension count, big-endian dims, then the data. */
export function idxBytes(dims: number[], data: ArrayLike<number>, type = 0x08): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = type;
  header[3] = dims.length;
  dims.forEach((d, i) => {
    header.writeUInt32BE(d, 4 + 4 * i);
  });
  return Buffer.concat([header, Buffer.from(Array.from(data))]);
}

/** The byte of pixel `p` of image `i` of a split (`offset` tells the splits apart). */
export const pixelOf = (i: number, p: number, offset: number) => (i * 7 + p * 13 + offset) % 256;

export interface IdxSetOptions {
  train: number;
  test: number;
  classes: number;
  size?: number;
  gzip?: boolean;
  /** File name prefix: "" for the standard names, "emnist-digits-" for EMNIST's. */
  prefix?: string;
  testName?: "t10k" | "test";
}

/** Writes the four files of a data set into `dir`; image i of a split has label i % classes. */
export function writeIdxSet(dir: string, options: IdxSetOptions): void {
  const { train, test, classes, size = 4, gzip = false, prefix = "", testName = "t10k" } = options;
  mkdirSync(dir, { recursive: true });
  const write = (name: string, bytes: Buffer) =>
    writeFileSync(join(dir, `${prefix}${name}${gzip ? ".gz" : ""}`), gzip ? gzipSync(bytes) : bytes);
  for (const [split, count, offset] of [
    ["train", train, 0],
    [testName, test, 100],
  ] as const) {
    const pixels = Array.from({ length: count * size * size }, (_, k) =>
      pixelOf(Math.floor(k / (size * size)), k % (size * size), offset),
    );
    write(`${split}-images-idx3-ubyte`, idxBytes([count, size, size], pixels));
    write(
      `${split}-labels-idx1-ubyte`,
      idxBytes(
        [count],
        Array.from({ length: count }, (_, i) => i % classes),
      ),
    );
  }
}
