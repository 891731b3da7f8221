// Deterministic stratified selection: every class gives its share, so a small validation split stays balanced.
import { seededRandom, shuffle } from "./random";

/**
 * Chooses `count` of `indices` so that each class contributes in proportion to its size (largest remainders
 * break ties), shuffled by `seed`. Returns the chosen indices and the rest, each in a seeded random order.
 */
export function stratifiedPick(
  indices: number[],
  labels: Int32Array,
  count: number,
  seed: number,
  stream: string,
): { picked: number[]; rest: number[] } {
  const random = seededRandom(seed, stream);
  const byClass = new Map<number, number[]>();
  for (const i of indices) {
    const label = labels[i]!;
    const list = byClass.get(label) ?? [];
    list.push(i);
    byClass.set(label, list);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const total = indices.length;
  const want = Math.min(count, total);
  const shares = classes.map((c) => {
    const exact = (want * byClass.get(c)!.length) / total;
    return { c, take: Math.floor(exact), remainder: exact - Math.floor(exact) };
  });
  let missing = want - shares.reduce((sum, s) => sum + s.take, 0);
  for (const s of [...shares].sort((a, b) => b.remainder - a.remainder || a.c - b.c)) {
    if (missing <= 0) break;
    s.take++;
    missing--;
  }
  const picked: number[] = [];
  const rest: number[] = [];
  for (const s of shares) {
    const members = shuffle([...byClass.get(s.c)!], random);
    picked.push(...members.slice(0, s.take));
    rest.push(...members.slice(s.take));
  }
  return { picked: shuffle(picked, random), rest: shuffle(rest, random) };
}
