// Results of a search as the dashboard and clients read them: the front, a bounded scatter of every candidate, one
// architecture with its figures, what the final phase measured of the architectures it trained alone, and the
// front's latency measured in ONNX Runtime.
import type { CandidatePoint, Db, FinalTrainingRecord, FrontLatencyRecord } from "@vitnas/db";

/** The final phase's figures of one architecture as responses carry them: all null when it was not trained. */
export function trainedFigures(final: FinalTrainingRecord | undefined) {
  return {
    testAccuracy: final?.testAccuracy ?? null,
    finalEpochs: final?.epochs ?? null,
    finalMode: final?.mode ?? null,
  };
}

/** The measured latency of one architecture as responses carry it: all null when it was not measured. */
export function latencyFigures(latency: FrontLatencyRecord | undefined) {
  return {
    latencyMs: latency?.medianMs ?? null,
    latencyP90Ms: latency?.p90Ms ?? null,
    latencyThreads: latency?.threads ?? null,
  };
}

/**
 * `items` with their measured latency and the final phase's figures; one query each for the page, on the few rows
 * the export and the final phase wrote.
 */
export async function withMeasuredFigures<P extends { id: string }>(db: Db, searchId: string, items: P[]) {
  const ids = items.map((p) => p.id);
  const [latency, final] = await Promise.all([
    db.frontLatencies.forArchs(searchId, ids),
    db.finalTrainings.forArchs(searchId, ids),
  ]);
  return items.map((p) => ({ ...p, ...latencyFigures(latency.get(p.id)), ...trainedFigures(final.get(p.id)) }));
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
  const latency = (await db.frontLatencies.forArchs(searchId, [candidate.id])).get(candidate.id);
  return {
    id: candidate.id,
    arch: candidate.arch as unknown as Record<string, unknown>,
    metrics: {
      accuracy: candidate.accuracy,
      macs: candidate.macs,
      params: candidate.params,
      generation: candidate.generation,
      onFront: front.some((p) => p.id === candidate.id),
      ...latencyFigures(latency),
      latencyRuns: latency?.runs ?? null,
      latencyCpu: latency?.cpu ?? null,
      ...trainedFigures(final),
      finalValAccuracy: final?.valAccuracy ?? null,
    },
  };
}
