// NumPy's .npy format (numpy.lib.format, versions 1-3): the magic "\x93NUMPY", a version, the header's length, and a
// header that is a Python dict literal ({'descr': '|u1', 'fortran_order': False, 'shape': (60000, 28, 28), }),
// then the elements in C order. Small enough to read here; docs/datasets.md lists what is accepted.

export interface NpyArray {
  /** NumPy's type string, e.g. "|u1", "<i8". */
  dtype: string;
  shape: number[];
  /** The elements' bytes, as stored. */
  data: Uint8Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/** One .npy file's array; every error names `name`. */
export function parseNpy(bytes: Uint8Array, name: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new Error(`${name}: not a NumPy .npy file (it must start with \\x93NUMPY)`);
  }
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw new Error(`${name}: unsupported .npy version ${major}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthAt = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthAt) throw new Error(`${name}: truncated .npy header`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lengthAt;
  if (bytes.length < start + headerLength) throw new Error(`${name}: truncated .npy header`);
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(bytes.subarray(start, start + headerLength));
  const dtype = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (dtype === undefined || fortran === undefined || shapeText === undefined) {
    throw new Error(`${name}: the .npy header lacks descr, fortran_order or shape`);
  }
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((s) => Number(s));
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new Error(`${name}: bad shape (${shapeText})`);
  if (fortran === "True" && shape.length > 1) throw new Error(`${name}: Fortran-ordered arrays are not read`);
  const itemSize = Number(/^[<>|=]?[iuf](\d+)$/.exec(dtype)?.[1] ?? Number.NaN);
  if (!Number.isInteger(itemSize)) throw new Error(`${name}: unsupported dtype ${dtype} (integers only)`);
  const size = shape.reduce((a, b) => a * b, 1) * itemSize;
  const held = bytes.length - start - headerLength;
  if (held < size) {
    throw new Error(
      `${name}: truncated: its header says ${shape.join("x")} of ${dtype} = ${size} bytes, it holds ${held}`,
    );
  }
  if (held > size) throw new Error(`${name}: ${held - size} bytes beyond the ${shape.join("x")} its header declares`);
  return { dtype, shape, data: bytes.subarray(start + headerLength) };
}

/** An integer array's values (labels), any width or byte order; values must fit 0..2^31-1. */
export function npyIntegers(array: NpyArray, name: string): Int32Array {
  const match = /^([<>|=]?)([iu])(1|2|4|8)$/.exec(array.dtype);
  if (!match) throw new Error(`${name}: labels must be integers, not ${array.dtype}`);
  const little = match[1] !== ">";
  const signed = match[2] === "i";
  const width = Number(match[3]);
  const { data } = array;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const count = data.byteLength / width;
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * width;
    let value: number;
    if (width === 1) value = signed ? view.getInt8(at) : view.getUint8(at);
    else if (width === 2) value = signed ? view.getInt16(at, little) : view.getUint16(at, little);
    else if (width === 4) value = signed ? view.getInt32(at, little) : view.getUint32(at, little);
    else value = Number(signed ? view.getBigInt64(at, little) : view.getBigUint64(at, little));
    if (value < 0 || value > 2 ** 31 - 1) throw new Error(`${name}: label ${value} (item ${i}) is not a class index`);
    out[i] = value;
  }
  return out;
}
