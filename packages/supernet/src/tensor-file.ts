// Named float32 tensors on disk: a JSON index (name, shape, byte offset) beside one little-endian binary file,
// checked by SHA-256, every file written to a temporary name, flushed and renamed into place.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { endianness } from "node:os";

export { writeFileAtomic } from "./atomic-file";

// The files are little-endian; on a little-endian machine (nearly all) bytes are copied as they are.
const LITTLE_ENDIAN = endianness() === "LE";

export interface TensorEntry {
  name: string;
  shape: number[];
  /** Byte offset in the binary file. */
  offset: number;
}

export interface NamedArray {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** Packs arrays into one little-endian buffer; returns the index and the buffer's SHA-256. */
export function packTensors(arrays: NamedArray[]): { entries: TensorEntry[]; bytes: Uint8Array; sha256: string } {
  const total = arrays.reduce((n, a) => n + a.values.length, 0);
  const bytes = new Uint8Array(total * 4);
  const view = new DataView(bytes.buffer);
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const a of arrays) {
    const size = a.shape.reduce((x, y) => x * y, 1);
    if (size !== a.values.length)
      throw new Error(`tensor ${a.name}: shape [${a.shape}] holds ${size}, not ${a.values.length}`);
    entries.push({ name: a.name, shape: a.shape, offset });
    if (LITTLE_ENDIAN) bytes.set(new Uint8Array(a.values.buffer, a.values.byteOffset, a.values.byteLength), offset);
    else for (let i = 0; i < a.values.length; i++) view.setFloat32(offset + i * 4, a.values[i]!, true);
    offset += a.values.length * 4;
  }
  return { entries, bytes, sha256: sha256(bytes) };
}

/** Reads a binary file written by packTensors, verifying its checksum and every entry's bounds. */
export async function unpackTensors(
  path: string,
  entries: TensorEntry[],
  expectedSha256: string,
): Promise<NamedArray[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
  const actual = sha256(bytes);
  if (actual !== expectedSha256)
    throw new Error(`${path} is corrupt: SHA-256 ${actual}, the index says ${expectedSha256}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return entries.map((e) => {
    const size = e.shape.reduce((x, y) => x * y, 1);
    if (!Number.isInteger(e.offset) || e.offset < 0 || e.offset + size * 4 > bytes.byteLength) {
      throw new Error(`${path}: tensor ${e.name} lies outside the file`);
    }
    const values = new Float32Array(size);
    if (LITTLE_ENDIAN) new Uint8Array(values.buffer).set(bytes.subarray(e.offset, e.offset + size * 4));
    else for (let i = 0; i < size; i++) values[i] = view.getFloat32(e.offset + i * 4, true);
    return { name: e.name, shape: e.shape, values };
  });
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
