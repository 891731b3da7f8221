// The two search objectives: validation accuracy (up) and MACs (down).

export interface Objectives {
  /** Top-1 validation accuracy in [0, 1]. */
  accuracy: number;
  macs: number;
}

/** Whether `a` is at least as good as `b` on both objectives and better on one. */
export function dominates(a: Objectives, b: Objectives): boolean {
  return a.accuracy >= b.accuracy && a.macs <= b.macs && (a.accuracy > b.accuracy || a.macs < b.macs);
}
