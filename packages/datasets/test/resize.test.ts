// Values worked out by hand from PyTorch's rule for F.interpolate(mode="bilinear", align_corners=False,
// antialias=False): src = (dst + 0.5) * in / out - 0.5, clamped at 0, the far neighbour clamped at the edge.
import { describe, expect, it } from "vitest";
import { bilinearTaps, resizeBilinear } from "../src/resize";

const grid = (rows: number, cols: number, value: (r: number, c: number) => number) =>
  Float32Array.from({ length: rows * cols }, (_, i) => value(Math.floor(i / cols), i % cols));
const rowsOf = (pixels: Float32Array, cols: number) =>
  Array.from({ length: pixels.length / cols }, (_, r) => [...pixels.subarray(r * cols, (r + 1) * cols)]);

describe("resizeBilinear", () => {
  it("upsamples 2x2 to 4x4 with half-pixel centres, edges clamped", () => {
    // Per axis the taps are 0 | 0.25 | 0.75 | 1 of the way from the first pixel to the second.
    const out = resizeBilinear(
      grid(2, 2, (r, c) => 2 * r + c),
      2,
      2,
      4,
      4,
    );
    expect(rowsOf(out, 4)).toEqual([
      [0, 0.25, 0.75, 1],
      [0.5, 0.75, 1.25, 1.5],
      [1.5, 1.75, 2.25, 2.5],
      [2, 2.25, 2.75, 3],
    ]);
  });

  it("downsamples without anti-aliasing: 4x4 to 2x2 averages only the 2x2 around each centre", () => {
    const out = resizeBilinear(
      grid(4, 4, (r, c) => 4 * r + c),
      4,
      4,
      2,
      2,
    );
    expect(rowsOf(out, 2)).toEqual([
      [2.5, 4.5],
      [10.5, 12.5],
    ]);
    // 3 to 2: sources 0.25 and 1.75, so 0.75*x0 + 0.25*x1 and 0.25*x1 + 0.75*x2.
    expect([
      ...resizeBilinear(
        grid(3, 3, (_, c) => 4 * c),
        3,
        3,
        2,
        2,
      ),
    ]).toEqual([1, 7, 1, 7]);
  });

  it("places MNIST's 28 pixels on 32 and 224 as PyTorch does", () => {
    const to32 = bilinearTaps(28, 32);
    // dst 0: -0.0625 clamps to 0; dst 1: 0.8125; dst 16: 13.9375; dst 31: 27.0625, past the last pixel.
    expect([to32.near[0], to32.far[0], to32.weight[0]]).toEqual([0, 1, 0]);
    expect([to32.near[1], to32.far[1], to32.weight[1]]).toEqual([0, 1, 0.8125]);
    expect([to32.near[16], to32.far[16], to32.weight[16]]).toEqual([13, 14, 0.9375]);
    expect([to32.near[31], to32.far[31]]).toEqual([27, 27]);
    const to224 = bilinearTaps(28, 224);
    // dst 3: -0.0625 clamps to 0; dst 4: 0.0625; dst 223: 27.4375 reads only the last pixel.
    expect([to224.near[3], to224.weight[3]]).toEqual([0, 0]);
    expect([to224.near[4], to224.far[4], to224.weight[4]]).toEqual([0, 1, 0.0625]);
    expect([to224.near[223], to224.far[223]]).toEqual([27, 27]);
    // A row 0..27 resized to 32 columns: column 16 lies at 13.9375.
    const row = resizeBilinear(
      grid(28, 28, (_, c) => c),
      28,
      28,
      32,
      32,
    );
    expect(row[16]).toBeCloseTo(13.9375, 6);
    expect(row[31]).toBe(27);
  });

  it("resizes each channel of HWC pixels alike and copies an unchanged size", () => {
    const rgb = Float32Array.from([0, 10, 100, 1, 11, 101, 2, 12, 102, 3, 13, 103]);
    const out = resizeBilinear(rgb, 2, 2, 4, 4, 3);
    expect([out[(1 * 4 + 2) * 3], out[(1 * 4 + 2) * 3 + 1], out[(1 * 4 + 2) * 3 + 2]]).toEqual([1.25, 11.25, 101.25]);
    const same = resizeBilinear(rgb, 2, 2, 2, 2, 3);
    expect(same).toEqual(rgb);
    expect(same).not.toBe(rgb);
  });
});
