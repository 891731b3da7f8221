// Seeded random numbers whose whole state is four 32-bit words, so a checkpoint can store and restore it exactly.

/** sfc32 generator seeded through splitmix32 from any list of integers (seed, purpose, step, ...). */
export class Random {
  private s: Uint32Array;

  constructor(...seed: number[]) {
    this.s = new Uint32Array(4);
    let h = 0x9e3779b9;
    for (const part of seed.length ? seed : [0]) h = mix32(h ^ Math.imul((part | 0) + 0x7f4a7c15, 0x85ebca6b));
    for (let i = 0; i < 4; i++) {
      h = mix32(h + 0x9e3779b9);
      this.s[i] = h;
    }
    for (let i = 0; i < 12; i++) this.uint32();
  }

  static fromState(state: readonly number[]): Random {
    if (state.length !== 4 || state.some((x) => !Number.isInteger(x))) throw new Error("random state: 4 integers");
    const r = new Random(0);
    r.s.set(state.map((x) => x >>> 0));
    return r;
  }

  state(): number[] {
    return Array.from(this.s);
  }

  uint32(): number {
    const s = this.s;
    const t = (((s[0]! + s[1]!) | 0) + s[3]!) | 0;
    s[3] = (s[3]! + 1) | 0;
    s[0] = s[1]! ^ (s[1]! >>> 9);
    s[1] = (s[2]! + (s[2]! << 3)) | 0;
    s[2] = (s[2]! << 21) | (s[2]! >>> 11);
    s[2] = (s[2]! + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/** A stable 32-bit hash of a name, to derive per-weight seeds. */
export function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
