// Small uploads built by the tests themselves: .npy/.npz arrays, CIFAR-100 records, PNG class folders, and tar.gz or
// zip archives of them, including the malformed ones the service must refuse.
import { once } from "node:events";
import { gzipSync } from "node:zlib";
import sharp from "sharp";
import { pack } from "tar-stream";
import yazl from "yazl";
import { idxBytes } from "./idx-fixture";

/** A version-1 .npy file of `dtype` ("|u1", "<i8"...) and `shape`, its header padded to 64 bytes as NumPy does. */
export function npyBytes(dtype: string, shape: number[], data: Uint8Array): Buffer {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(", ");
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': (${dims}), }`;
  header += `${" ".repeat(64 - ((10 + header.length + 1) % 64))}\n`;
  const prefix = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(prefix);
  prefix.writeUInt16LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, "latin1"), Buffer.from(data)]);
}

/** uint8 images whose pixel p of image i is (i * 7 + p * 3 + offset) % 256, labels i % classes as int64. */
export function npzArrays(count: number, size: number, classes: number, channels?: number, offset = 0) {
  const per = size * size * (channels ?? 1);
  const pixels = new Uint8Array(count * per);
  for (let i = 0; i < count; i++) for (let p = 0; p < per; p++) pixels[i * per + p] = (i * 7 + p * 3 + offset) % 256;
  const labels = new BigInt64Array(count);
  for (let i = 0; i < count; i++) labels[i] = BigInt(i % classes);
  return {
    x: npyBytes("|u1", channels === undefined ? [count, size, size] : [count, size, size, channels], pixels),
    y: npyBytes("<i8", [count], new Uint8Array(labels.buffer)),
  };
}

export interface ArchiveEntry {
  name: string;
  data?: Buffer;
  type?: "file" | "directory" | "symlink" | "link";
  linkname?: string;
}

/** A tar (gzipped unless `gzip` is false) of the entries, in order. */
export async function tarArchive(entries: ArchiveEntry[], gzip = true): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on("data", (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const ended = once(tar, "end");
  for (const e of entries) {
    const type = e.type ?? (e.data ? "file" : "directory");
    tar.entry({ name: e.name, type, ...(e.linkname ? { linkname: e.linkname } : {}) }, e.data ?? Buffer.alloc(0));
  }
  tar.finalize();
  await ended;
  const bytes = Buffer.concat(chunks);
  return gzip ? gzipSync(bytes) : bytes;
}

/** A zip of the entries (deflated); `mode` sets an entry's Unix mode (0o120777: a symbolic link). */
export async function zipArchive(entries: (ArchiveEntry & { mode?: number })[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const e of entries) {
    if (!e.data) zip.addEmptyDirectory(e.name);
    else zip.addBuffer(e.data, e.name, e.mode !== undefined ? { mode: e.mode } : {});
  }
  zip.end();
  const chunks: Buffer[] = [];
  zip.outputStream.on("data", (c: Buffer) => chunks.push(c));
  await once(zip.outputStream, "end");
  return Buffer.concat(chunks);
}

/** A `size` x `size` PNG of one colour. */
export const pngBytes = (size: number, rgb: [number, number, number]) =>
  sharp({ create: { width: size, height: size, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .png()
    .toBuffer();

/** Class folders of PNGs as archive entries under `root`: class k's images are shades of one colour. */
export async function folderEntries(
  root: string,
  classes: string[],
  perClass: number,
  size = 8,
): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [];
  for (const [k, name] of classes.entries()) {
    for (let i = 0; i < perClass; i++) {
      const data = await pngBytes(size, [(k * 80 + i) % 256, (k * 40) % 256, 255 - k * 60]);
      entries.push({ name: `${root}${name}/img${i}.png`, data });
    }
  }
  return entries;
}

/** `count` CIFAR-100 records: coarse label i % 20, fine label i % 100, pixels from (i, channel, position). */
export function cifar100Bytes(count: number, offset = 0): Buffer {
  const record = 2 + 3072;
  const bytes = Buffer.alloc(count * record);
  for (let i = 0; i < count; i++) {
    bytes[i * record] = (i + offset) % 20;
    bytes[i * record + 1] = (i + offset) % 100;
    for (let p = 0; p < 3072; p++) bytes[i * record + 2 + p] = (i + offset + p) % 256;
  }
  return bytes;
}

/** IDX files under `root` of `count` training and 4 test 5x5 images, labels i % 3; `change` replaces files by name. */
export function idxEntries(root = "", count = 12, change: Record<string, Buffer> = {}): ArchiveEntry[] {
  const images = (k: number) =>
    idxBytes(
      [k, 5, 5],
      Array.from({ length: k * 25 }, (_, i) => i % 256),
    );
  const labels = (k: number) =>
    idxBytes(
      [k],
      Array.from({ length: k }, (_, i) => i % 3),
    );
  const files: Record<string, Buffer> = {
    "train-images-idx3-ubyte": images(count),
    "train-labels-idx1-ubyte": labels(count),
    "t10k-images-idx3-ubyte": images(4),
    "t10k-labels-idx1-ubyte": labels(4),
    ...change,
  };
  return Object.entries(files).map(([name, data]) => ({ name: `${root}${name}`, data }));
}
