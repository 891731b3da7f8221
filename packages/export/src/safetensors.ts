// safetensors, Hugging Face's tensor file format: an unsigned 64-bit little-endian header length N, N bytes of
// JSON `{ "<name>": { "dtype", "shape", "data_offsets": [begin, end] }, ..., "__metadata__": { string: string } }`
// (padded with spaces so the data starts 8-byte aligned, as the reference writer does), then the data: each
// tensor's little-endian bytes, row-major, offsets relative to the data's start, contiguous, without holes.
// npm has no maintained writer for it (there are readers); the format is small, so it is written here and tested
// byte for byte against the layout above (test/safetensors.test.ts).
import type { StandaloneModel } from "@vitnas/supernet";
import { WEIGHTS_FORMAT } from "@vitnas/supernet";
import { type ExportPreprocessing, exportPreprocessing, type TrainingInput } from "./preprocessing";
import { type NamedTensor, namedTensors } from "./weights";

export type SafetensorsTensor = NamedTensor;

export interface SafetensorsFile {
  metadata: Record<string, string>;
  tensors: SafetensorsTensor[];
}

/** The reference implementation refuses larger headers. */
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = "__metadata__";
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Encodes float32 tensors (stored in name order) with string metadata. */
export function encodeSafetensors(tensors: SafetensorsTensor[], metadata: Record<string, string> = {}): Uint8Array {
  const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header[METADATA_KEY] = metadata;
  let offset = 0;
  for (const t of sorted) {
    if (t.name === METADATA_KEY) throw new Error(`a tensor cannot be named ${METADATA_KEY}`);
    if (t.name in header) throw new Error(`two tensors are named ${t.name}`);
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.values.length)
      throw new Error(`tensor ${t.name}: shape [${t.shape}] holds ${size}, not ${t.values.length}`);
    header[t.name] = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + t.values.byteLength] };
    offset += t.values.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const bytes = new Uint8Array(8 + padded + offset);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(padded), true);
  bytes.set(json, 8);
  bytes.fill(0x20, 8 + json.length, 8 + padded);
  let at = 8 + padded;
  for (const t of sorted) {
    if (LITTLE_ENDIAN) bytes.set(new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength), at);
    else for (let i = 0; i < t.values.length; i++) view.setFloat32(at + 4 * i, t.values[i]!, true);
    at += t.values.byteLength;
  }
  return bytes;
}

/** Decodes a safetensors file of float32 tensors, checking the whole layout (a damaged file is refused). */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsFile {
  const fail = (why: string): never => {
    throw new Error(`not a valid safetensors file: ${why}`);
  };
  if (bytes.length < 8) fail("shorter than its 8-byte header length");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getBigUint64(0, true);
  if (length > BigInt(Math.min(MAX_HEADER_BYTES, bytes.length - 8))) fail(`header length ${length} exceeds the file`);
  const headerEnd = 8 + Number(length);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, headerEnd)));
  } catch (err) {
    fail(`header is not UTF-8 JSON (${(err as Error).message})`);
  }
  if (bytes[8] !== 0x7b || typeof header !== "object" || header === null || Array.isArray(header)) {
    fail("header is not a JSON object");
  }
  const entries = header as Record<string, unknown>;
  const metadata: Record<string, string> = {};
  const raw = entries[METADATA_KEY];
  if (raw !== undefined) {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) fail(`${METADATA_KEY} is not an object`);
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      if (typeof v !== "string") fail(`${METADATA_KEY}.${k} is not a string`);
      metadata[k] = v as string;
    }
  }
  const data = bytes.subarray(headerEnd);
  const tensors: (SafetensorsTensor & { begin: number })[] = [];
  for (const [name, info] of Object.entries(entries)) {
    if (name === METADATA_KEY) continue;
    const { dtype, shape, data_offsets: offsets } = (info ?? {}) as Record<string, unknown>;
    if (dtype !== "F32") fail(`tensor ${name}: dtype ${String(dtype)} (this reader takes F32)`);
    const validDims = Array.isArray(shape) && shape.every((d) => Number.isSafeInteger(d) && d >= 0);
    if (!validDims) fail(`tensor ${name}: shape is not a list of sizes`);
    const validOffsets =
      Array.isArray(offsets) && offsets.length === 2 && offsets.every((o) => Number.isSafeInteger(o) && o >= 0);
    if (!validOffsets) fail(`tensor ${name}: data_offsets is not [begin, end]`);
    const [begin, end] = offsets as [number, number];
    const size = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== size * 4) fail(`tensor ${name}: ${end - begin} bytes for shape [${shape}] of F32`);
    if (end > data.length) fail(`tensor ${name} ends at ${end}, past the data's ${data.length} bytes`);
    const values = new Float32Array(size);
    const at = new DataView(data.buffer, data.byteOffset + begin, size * 4);
    for (let i = 0; i < size; i++) values[i] = at.getFloat32(4 * i, true);
    tensors.push({ name, shape: shape as number[], values, begin });
  }
  // The data must be indexed entirely: tensors follow each other without holes or overlaps, to the file's end.
  let expected = 0;
  for (const t of [...tensors].sort((a, b) => a.begin - b.begin)) {
    if (t.begin !== expected) fail(`tensor ${t.name} starts at ${t.begin}, not ${expected} (a hole or an overlap)`);
    expected += t.values.byteLength;
  }
  if (expected !== data.length) fail(`the tensors cover ${expected} of the data's ${data.length} bytes`);
  return { metadata, tensors: tensors.map(({ begin: _, ...t }) => t) };
}

export interface SafetensorsOptions {
  file?: string;
}

/**
 * Every tensor of a model under the names and layouts of its forward pass (packages/supernet/README.md, "Files on
 * disk"), with the architecture, the names of the trainable tensors and the preprocessing in `__metadata__`.
 */
export function exportSafetensors(
  model: StandaloneModel,
  training: TrainingInput,
  opts: SafetensorsOptions = {},
): { bytes: Uint8Array; preprocessing: ExportPreprocessing } {
  const preprocessing = exportPreprocessing(
    model.arch,
    training,
    { file: opts.file ?? "model.safetensors", format: "safetensors" },
    { input: "images", output: "logits", layout: "NHWC" },
  );
  const tensors = namedTensors(model.tensors);
  const bytes = encodeSafetensors(tensors, {
    format: WEIGHTS_FORMAT,
    "vitnas.arch": JSON.stringify(model.arch),
    "vitnas.trainable": JSON.stringify(tensors.map((t) => t.name).filter((n) => model.trainable.has(n))),
    "vitnas.preprocessing": JSON.stringify(preprocessing),
  });
  return { bytes, preprocessing };
}
