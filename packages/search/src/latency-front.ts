// A constraint on the front's measured latency (a job's `search.latency.maxMs`, docs/export.md "Latency"). Latency
// is measured on the exported model, which costs an export and a hundred runs per architecture, so it is measured
// for front architectures only, never for every candidate: the front of the candidates is drawn, each of its
// members measured, those over the limit set aside, and the front drawn again from the rest, until every member
// is within it. The result is exactly the front of the candidates that meet the limit, since a candidate off that
// front is dominated by one that meets it, while only front members (at most the candidates) are ever measured.
import { ParetoFront } from "./front";
import type { Objectives } from "./objectives";

export interface LatencyFront<T> {
  /** The front of the candidates within the limit, cheapest first. */
  front: T[];
  /** The median latency measured of each architecture measured (front members and those set aside), by id. */
  measured: Map<string, number>;
  /** Ids set aside for exceeding the limit. */
  excluded: string[];
}

export async function latencyFront<T extends Objectives & { id: string }>(
  candidates: readonly T[],
  latencyOf: (candidate: T) => Promise<number>,
  maxMs?: number,
): Promise<LatencyFront<T>> {
  const measured = new Map<string, number>();
  const excluded = new Set<string>();
  for (;;) {
    const front = new ParetoFront(candidates.filter((c) => !excluded.has(c.id))).points;
    let setAside = false;
    for (const c of front) {
      if (!measured.has(c.id)) measured.set(c.id, await latencyOf(c));
      if (maxMs !== undefined && measured.get(c.id)! > maxMs) {
        excluded.add(c.id);
        setAside = true;
      }
    }
    if (!setAside) return { front: [...front], measured, excluded: [...excluded] };
  }
}
