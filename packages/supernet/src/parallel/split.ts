// How a training step's batch is shared between threads. The batch is a row of sub-batches, one per sub-network
// (in order); each thread takes a contiguous run of images, so its share is a few whole or cut sub-batches. Shares
// are balanced by cost (the counter's MACs per image of each sub-network: the largest sub-network of a sandwich
// costs several times the smallest), and a cut moves to the nearest sub-batch boundary when that leaves the shares
// within half a share of balance, since each piece of a sub-network costs its own fixed overhead (every op of its
// forward and backward pass dispatched once more): on the demo's small sub-networks a cut piece cost a thread about
// 7 ms of a 35 ms share, and snapping raised two threads' speed-up from 1.07x to 1.44x (README, supernet bench).
import { countArch, type VitArch } from "@vitnas/formats";

/** `size` images from `from` (counted within the share) go through `arch`. */
export interface Segment {
  arch: VitArch;
  from: number;
  size: number;
}

/** A thread's images: [from, from + size) of the batch, as segments. */
export interface Share {
  from: number;
  size: number;
  segments: Segment[];
}

/**
 * A cut moves to a sub-batch boundary when that changes a share's cost by at most this fraction of a share. Below 1,
 * so a single sub-network's batch is still cut (its only boundaries are the ends).
 */
const SNAP = 0.5;

export function splitBatch(
  archs: VitArch[],
  sizes: number[],
  threads: number,
  cost: (arch: VitArch) => number = (arch) => countArch(arch).macs,
): Share[] {
  const batch = sizes.reduce((a, b) => a + b, 0);
  const count = Math.max(1, Math.min(threads, batch));
  const costs = archs.map((a) => Math.max(1, cost(a)));
  // Image and cost where each sub-batch starts.
  const starts: { image: number; cost: number }[] = [];
  let image = 0;
  let total = 0;
  sizes.forEach((size, i) => {
    starts.push({ image, cost: total });
    image += size;
    total += size * costs[i]!;
  });
  starts.push({ image, cost: total });
  const cuts = [0];
  for (let t = 1; t < count; t++) {
    const target = (t * total) / count;
    const i = Math.max(
      0,
      starts.findLastIndex((s, k) => k < sizes.length && s.cost <= target),
    );
    let cut = starts[i]!.image + Math.round((target - starts[i]!.cost) / costs[i]!);
    cut = Math.min(cut, starts[i]!.image + sizes[i]!);
    const boundary = starts.reduce((best, s) => (Math.abs(s.cost - target) < Math.abs(best.cost - target) ? s : best));
    if (Math.abs(boundary.cost - target) <= (SNAP * total) / count) cut = boundary.image;
    // Every thread keeps at least one image.
    cuts.push(Math.min(Math.max(cut, cuts[t - 1]! + 1), batch - (count - t)));
  }
  cuts.push(batch);
  return cuts.slice(0, -1).map((from, t) => {
    const to = cuts[t + 1]!;
    const segments: Segment[] = [];
    archs.forEach((arch, i) => {
      const a = Math.max(from, starts[i]!.image);
      const b = Math.min(to, starts[i]!.image + sizes[i]!);
      if (b > a) segments.push({ arch, from: a - from, size: b - a });
    });
    return { from, size: to - from, segments };
  });
}
