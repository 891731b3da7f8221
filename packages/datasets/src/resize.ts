// Bilinear resizing exactly as PyTorch's F.interpolate(mode="bilinear", align_corners=False, antialias=False) does
// it, because results are compared against a PyTorch reference that resizes that way: half-pixel centres, source
// coordinate (dst + 0.5) * in / out - 0.5 clamped at 0, the far neighbour clamped at the last pixel, and no
// anti-aliasing when shrinking. Weights are computed in float32 like PyTorch's CPU kernel for float tensors.

const f32 = Math.fround;

interface Taps {
  near: Int32Array;
  far: Int32Array;
  weight: Float32Array;
}

/** For each output coordinate: the two source coordinates and the weight of the far one. */
export function bilinearTaps(inSize: number, outSize: number): Taps {
  const scale = f32(inSize / outSize);
  const near = new Int32Array(outSize);
  const far = new Int32Array(outSize);
  const weight = new Float32Array(outSize);
  for (let d = 0; d < outSize; d++) {
    const src = Math.max(0, f32(f32(scale * f32(d + 0.5)) - 0.5));
    const i0 = Math.min(Math.floor(src), inSize - 1);
    near[d] = i0;
    far[d] = i0 < inSize - 1 ? i0 + 1 : i0;
    weight[d] = Math.min(1, Math.max(0, f32(src - i0)));
  }
  return { near, far, weight };
}

/** HWC pixels of an `inH` x `inW` image resized to `outH` x `outW`, the same channel count. */
export function resizeBilinear(
  pixels: Float32Array,
  inH: number,
  inW: number,
  outH: number,
  outW: number,
  channels = 1,
): Float32Array {
  if (inH === outH && inW === outW) return pixels.slice();
  const rows = bilinearTaps(inH, outH);
  const cols = bilinearTaps(inW, outW);
  const out = new Float32Array(outH * outW * channels);
  for (let y = 0; y < outH; y++) {
    const wy = rows.weight[y]!;
    const r0 = rows.near[y]! * inW;
    const r1 = rows.far[y]! * inW;
    for (let x = 0; x < outW; x++) {
      const wx = cols.weight[x]!;
      const c0 = cols.near[x]!;
      const c1 = cols.far[x]!;
      for (let k = 0; k < channels; k++) {
        const top = (1 - wx) * pixels[(r0 + c0) * channels + k]! + wx * pixels[(r0 + c1) * channels + k]!;
        const bottom = (1 - wx) * pixels[(r1 + c0) * channels + k]! + wx * pixels[(r1 + c1) * channels + k]!;
        out[(y * outW + x) * channels + k] = (1 - wy) * top + wy * bottom;
      }
    }
  }
  return out;
}
