// The worker's reads and writes of a search, over @vitnas/db's repositories.
import { type Db, RunningLimitError } from "@vitnas/db";
import type { ProgressEvent } from "@vitnas/pipeline";
import { type SearchRecords, TeamRunningLimitReached } from "./search-records";

export function dbSearchRecords(db: Db): SearchRecords {
  const audit = (searchId: string, action: string, details: Record<string, unknown>) =>
    db.audit.record({ action, actor: "worker", searchId, details });
  return {
    async load(searchId) {
      const search = await db.searches.get(searchId);
      return search ? { id: search.id, teamId: search.teamId, job: search.job, status: search.status } : undefined;
    },
    async status(searchId) {
      return (await db.searches.get(searchId))?.status;
    },
    async markRunning(searchId, { worker, selfTest, maxRunning }) {
      const running =
        maxRunning === undefined
          ? await db.searches.markRunning(searchId, selfTest.backend)
          : await db.searches.markRunningWithin(searchId, maxRunning, selfTest.backend).catch((err: unknown) => {
              if (err instanceof RunningLimitError) throw new TeamRunningLimitReached(err.running, err.max, err.own);
              throw err;
            });
      if (!running) return false;
      const message = `worker ${worker} on ${selfTest.backend} (${selfTest.device}), self-test ${Math.round(selfTest.ms)} ms`;
      // The event (not the snapshot) carries the self-test, so the history shows every worker that ran the search.
      const snapshot = running.progress ?? { phase: "dataset", percent: 0 };
      await db.progress.report(searchId, { ...snapshot, message, worker, selfTest });
      await audit(searchId, "search.started", { worker, backend: selfTest.backend, device: selfTest.device });
      return true;
    },
    queuePriority: (searchId) => db.searches.queuePriority(searchId),
    async resolveSupernet(teamId, ref) {
      return (await db.supernets.resolve(ref, teamId)) ?? undefined;
    },
    matchingSupernets: (teamId, spaceHash, recipeHash) => db.supernets.matching(teamId, spaceHash, recipeHash),
    async recordSupernet(search, trained, location) {
      const supernet = await db.supernets.record({ teamId: search.teamId, searchId: search.id, location, ...trained });
      await audit(search.id, "supernet.recorded", { supernetId: supernet.id, checkpoint: trained.checkpoint });
    },
    async markReused(searchId, supernetId) {
      await db.supernets.markReused(searchId, supernetId);
    },
    async saveProgress(searchId, progress: ProgressEvent) {
      await db.progress.report(searchId, { ...progress });
    },
    async upsertCandidates(searchId, candidates) {
      await db.candidates.upsert(searchId, candidates);
    },
    async setFront(searchId, generation, front, hypervolume) {
      await db.fronts.set(searchId, generation, front, hypervolume ?? null);
    },
    async recordArtifacts(searchId, artifacts) {
      for (const artifact of artifacts) {
        await db.artifacts.record({
          searchId,
          archHash: artifact.archHash ?? null,
          kind: artifact.kind,
          path: artifact.key,
          size: artifact.size,
          sha256: artifact.sha256,
        });
      }
    },
    async recordFinal(searchId, final) {
      await db.finalTrainings.replace(
        searchId,
        final.map(({ id, testAccuracy, valAccuracy, epochs, mode }) => ({
          id,
          testAccuracy,
          valAccuracy,
          epochs,
          mode,
        })),
      );
    },
    async recordLatency(searchId, front) {
      await db.frontLatencies.replace(
        searchId,
        front.flatMap(({ id, latency }) =>
          latency
            ? [
                {
                  id,
                  medianMs: latency.medianMs,
                  p90Ms: latency.p90Ms,
                  threads: latency.threads,
                  runs: latency.runs,
                  cpu: latency.cpu,
                },
              ]
            : [],
        ),
      );
    },
    async recordBaselines(searchId, baselines) {
      await db.baselines.replace(
        searchId,
        baselines.map(({ name, id, arch, macs, params, testAccuracy, valAccuracy, epochs, mode, bundle }) => ({
          name,
          id,
          arch,
          macs,
          params,
          testAccuracy,
          valAccuracy,
          epochs,
          mode,
          bundle,
        })),
      );
    },
    listIdle: (before, limit) => db.searches.listIdle(before, limit),
    async markRequeued(searchId, reason) {
      await db.searches.transition(searchId, ["running"], "queued");
      await audit(searchId, "search.requeued", { reason });
    },
    async failStalled(searchId, error) {
      const failed = await db.searches.transition(searchId, ["running"], "failed", { error });
      if (failed) await audit(searchId, "search.failed", { error });
      return failed !== null;
    },
    async finish(searchId, outcome) {
      let changed = true;
      if (outcome.status === "succeeded") changed = (await db.searches.markSucceeded(searchId)) !== null;
      else if (outcome.status === "failed")
        changed = (await db.searches.markFailed(searchId, outcome.error ?? "failed")) !== null;
      // A cancellation was recorded by whoever cancelled; the worker only notes that it stopped.
      if (changed) await audit(searchId, `search.${outcome.status}`, outcome.error ? { error: outcome.error } : {});
      return changed;
    },
  };
}
