// Analyses of a search's candidates the dashboard plots: every candidate's choices for parallel coordinates, how
// much each choice explains accuracy, and several searches' fronts on one hypervolume scale.
import type { Db, SearchRecord } from "@vitnas/db";
import {
  archChoices,
  choiceImportance,
  choiceLabel,
  hypervolume,
  type ImportanceResult,
  referenceMacs,
  stageOutline,
} from "@vitnas/search";
import { outlineSample, outlinesOf } from "./candidate-outlines";
import { currentFront, scatter } from "./search-results";

/**
 * The same sample as the scatter (every front point, the others downsampled over MACs and accuracy), each with its
 * stages outlined: one row per candidate for parallel coordinates.
 */
export async function parallelCoordinates(db: Db, searchId: string, maxPoints: number) {
  const sample = await scatter(db, searchId, maxPoints);
  const outlines = new Map(
    (
      await outlinesOf(
        db,
        searchId,
        [...sample.front, ...sample.others].map((p) => p.id),
      )
    ).map((o) => [o.id, o]),
  );
  const row = <P extends { id: string }>(p: P) => {
    const outline = outlines.get(p.id)?.outline;
    return {
      ...p,
      position: outline?.position ?? null,
      stages: outline ? outline.stages.map(stageOutline) : [],
    };
  };
  const front = sample.front.map(row);
  const others = sample.others.map(row);
  return {
    total: sample.total,
    downsampled: sample.downsampled,
    stages: Math.max(0, ...front.map((r) => r.stages.length), ...others.map((r) => r.stages.length)),
    front,
    others,
  };
}

export interface ImportanceAnswer extends ImportanceResult {
  /** Candidates evaluated; `samples` of them were analysed. */
  total: number;
  choices: (ImportanceResult["choices"][number] & { label: string })[];
}

/**
 * Choice importance over a uniform sample of at most `maxSamples` candidates, kept per search while its number of
 * candidates stays the same: a finished search is analysed once, a running one again as candidates arrive.
 */
export function importanceAnalyser(db: Db, maxSamples: number, maxEntries = 200) {
  const cache = new Map<string, { total: number; answer: ImportanceAnswer }>();
  return async (searchId: string): Promise<ImportanceAnswer> => {
    const total = await db.candidates.count(searchId);
    const hit = cache.get(searchId);
    if (hit && hit.total === total) return hit.answer;
    const samples = (await outlineSample(db, searchId, maxSamples)).map((c) => ({
      accuracy: c.accuracy,
      choices: archChoices(c.outline),
    }));
    const result = choiceImportance(samples);
    const answer = { ...result, total, choices: result.choices.map((c) => ({ ...c, label: choiceLabel(c.key) })) };
    cache.delete(searchId);
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
    cache.set(searchId, { total, answer });
    return answer;
  };
}

/**
 * Each search's current front and its hypervolume per generation, all against one reference point: accuracy 0 and
 * the largest of the searches' own reference MACs (their MACs maximum, else their space's largest architecture), so
 * the figures compare. A search's own /fronts figures use its own reference and need not match these.
 */
export async function compareFronts(db: Db, searches: readonly SearchRecord[]) {
  const loaded = await Promise.all(
    searches.map(async (s) => {
      const [front, history, total] = await Promise.all([
        currentFront(db, s.id),
        db.fronts.list(s.id),
        db.candidates.count(s.id),
      ]);
      return { s, front, history, total };
    }),
  );
  const reference = Math.max(
    ...loaded.map(({ s, front }) => {
      try {
        return referenceMacs(s.job.space, s.job.search);
      } catch {
        // A stored job the counter no longer reads (an older format): its own front bounds it.
        return Math.max(0, ...front.map((p) => p.macs)) + 1;
      }
    }),
  );
  const items = loaded.map(({ s, front, history, total }) => ({
    id: s.id,
    name: s.name,
    status: s.status,
    total,
    front,
    hypervolume: hypervolume(front, reference),
    generations: history.map((g) => ({ generation: g.generation, hypervolume: hypervolume(g.points, reference) })),
  }));
  return { referenceMacs: reference, searches: items };
}
