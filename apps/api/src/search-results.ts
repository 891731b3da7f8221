// Results of a search as the dashboard and clients read them: the front, a bounded scatter of every candidate, one
// architecture with its figures, and what the final phase measured of the architectures it trained alone.
import type { CandidatePoint, Db, FinalTrainingRecord } from "@vitnas/db";

/** The final phase's figures of one architecture as responses carry them: all null when it was not trained. */
export function trainedFigures(final: FinalTrainingRecord | undefined) {
  return {
    testAccuracy: final?.testAccuracy ?? null,
    finalEpochs: final?.epochs ?? null,
    finalMode: final?.mode ?? null,
  };
}

/** `items` with the final phase's figures; one query for the page, on the few rows the phase wrote. */
export async function withTrainedFigures<P extends { id: string }>(db: Db, searchId: string, items: P[]) {
  const final = await db.finalTrainings.forArchs(
    searchId,
    items.map((p) => p.id),
  );
  return items.map((p) => ({ ...p, ...trainedFigures(final.get(p.id)) }));
}

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
  const final = (await db.finalTrainings.forArchs(searchId, [candidate.id])).get(candidate.id);
  return {
    id: candidate.id,
    arch: candidate.arch as unknown as Record<string, unknown>,
    metrics: {
      accuracy: candidate.accuracy,
      macs: candidate.macs,
      params: candidate.params,
      generation: candidate.generation,
      onFront: front.some((p) => p.id === candidate.id),
      ...trainedFigures(final),
      finalValAccuracy: final?.valAccuracy ?? null,
    },
  };
}
