// Results of a search as the dashboard and clients read them: the front, a bounded scatter of every candidate, one
// architecture with its figures.
import type { CandidatePoint, Db } from "@vitnas/db";

/** The latest front the search recorded; before it recorded any, the non-dominated candidates so far. */
export async function currentFront(db: Db, searchId: string): Promise<CandidatePoint[]> {
  const recorded = await db.fronts.latest(searchId);
  return recorded ? recorded.points : db.candidates.paretoFront(searchId);
}

/** Every front point (evenly thinned if the front alone exceeds the budget) plus downsampled other candidates. */
export async function scatter(db: Db, searchId: string, maxPoints: number) {
  let front = await currentFront(db, searchId);
  const thinned = front.length > maxPoints;
  if (thinned) {
    const step = front.length / maxPoints;
    front = Array.from({ length: maxPoints }, (_, i) => front[Math.floor(i * step)]!);
  }
  const { total, points: others } = await db.candidates.downsample(
    searchId,
    maxPoints - front.length,
    front.map((p) => p.id),
  );
  const downsampled = thinned || others.some((p) => p.count > 1);
  return { total, downsampled, front, others };
}

export async function architecture(db: Db, searchId: string, archId: string) {
  const candidate = await db.candidates.get(searchId, archId);
  if (!candidate) return null;
  const front = await currentFront(db, searchId);
  return {
    id: candidate.id,
    arch: candidate.arch as unknown as Record<string, unknown>,
    metrics: {
      accuracy: candidate.accuracy,
      macs: candidate.macs,
      params: candidate.params,
      generation: candidate.generation,
      onFront: front.some((p) => p.id === candidate.id),
    },
  };
}
