// Nystromformer's landmarks are segment means computed from slices (no dense [m, N] matmul, no gather), over the
// segments floor(i*N/m) .. floor((i+1)*N/m) - 1 (docs/model-conventions.md).
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../src";
import { segmentMeans, segmentRuns } from "../src/attention/nystrom";

beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
});

const bounds = (m: number, n: number) => Array.from({ length: m + 1 }, (_, i) => Math.floor((i * n) / m));

describe("nystrom landmarks", () => {
  it("groups the segments into runs that keep their boundaries", () => {
    for (const n of [1, 5, 17, 197, 257]) {
      for (const m of [1, 2, 3, 4, 7, 32, 64].filter((m) => m <= n)) {
        const edges = [0];
        for (const { count, length } of segmentRuns(m, n)) {
          for (let i = 0; i < count; i++) edges.push(edges[edges.length - 1]! + length);
        }
        expect(edges).toEqual(bounds(m, n));
      }
    }
    expect(segmentRuns(32, 256)).toEqual([{ from: 0, count: 32, length: 8 }]);
    expect(segmentRuns(32, 257)).toEqual([
      { from: 0, count: 31, length: 8 },
      { from: 248, count: 1, length: 9 },
    ]);
  });

  it("equals the per-segment means, and its gradient spreads evenly over each segment", async () => {
    const [b, h, n, d] = [2, 3, 17, 4];
    for (const m of [1, 4, 5, 17]) {
      const edges = bounds(m, n);
      const x = tf.randomNormal([b, h, n, d], 0, 1, "float32", m) as tf.Tensor4D;
      const values = (await x.array()) as number[][][][];
      const mean = (rows: number[][], c: number) => rows.reduce((s, r) => s + r[c]!, 0) / rows.length;
      const expected = values.flatMap((image) =>
        image.flatMap((head) =>
          edges
            .slice(0, -1)
            .flatMap((from, i) => [...Array(d).keys()].map((c) => mean(head.slice(from, edges[i + 1]), c))),
        ),
      );
      const got = segmentMeans(x, m);
      expect(got.shape).toEqual([b, h, m, d]);
      const errors = Array.from(await got.data()).map((v, i) => Math.abs(v - expected[i]!));
      expect(Math.max(...errors)).toBeLessThan(1e-6);
      // d(sum of landmarks)/dx at a token is 1/length of its segment, on every image, head and channel.
      const grad = tf.grad((t: tf.Tensor) => tf.sum(segmentMeans(t as tf.Tensor4D, m)))(x);
      const perToken = edges
        .slice(0, -1)
        .flatMap((from, i) => Array(edges[i + 1]! - from).fill(1 / (edges[i + 1]! - from)));
      const expectedGrad = Array.from({ length: b * h }, () => perToken.flatMap((g) => Array(d).fill(Math.fround(g))));
      expect(Array.from(await grad.data())).toEqual(expectedGrad.flat());
      tf.dispose([x, got, grad]);
    }
  });
});
