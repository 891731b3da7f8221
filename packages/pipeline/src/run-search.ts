// `runSearch`: the whole search as one resumable, cancellable library call, used by the CLI, the queue worker and
// the tests alike: dataset -> super-network training -> evolution -> export of the front -> the final phase
// (the winners trained as standalone models and measured on the test split, when the job asks for it).

import { join, resolve } from "node:path";
import { loadDataset } from "@vitnas/datasets";
import { completeJob, type NasSearch } from "@vitnas/formats";
import { hypervolume } from "@vitnas/search";
import { hasCheckpoint, initBackend } from "@vitnas/supernet";
import { throwIfAborted } from "./abort";
import { writeJsonAtomic } from "./atomic-file";
import { exportFront, writeParetoWithFinal } from "./export-front";
import { trainFinal } from "./final-phase";
import { measureFront } from "./front-latency";
import { writeReport } from "./report";

const baselineCount = (job: NasSearch) => job.baselines.builtin.length + job.baselines.archs.length;

import { ProgressClock } from "./progress";
import { runEvolution } from "./search-phase";
import { trainSupernet } from "./supernet-phase";
import { describeTrained, loadReused, pickReusable } from "./supernet-reuse";
import type { RunSearchOptions, SearchResult } from "./types";
import { claimWorkDir, ensureWritableDir, workDirLayout } from "./work-dir";

export async function runSearch(stored: NasSearch, opts: RunSearchOptions): Promise<SearchResult> {
  // A job stored before a field existed (a queued search, a saved document) gets that field's default.
  const job = completeJob(stored);
  const work = workDirLayout(resolve(opts.workDir));
  const outDir = resolve(opts.outDir ?? join(work.root, "out"));
  const clock = ProgressClock.forRun(opts.onProgress, job.final.top > 0 || baselineCount(job) > 0);
  const { signal } = opts;
  throwIfAborted(signal);
  await claimWorkDir(work, job);
  await ensureWritableDir(outDir, "output directory");

  const backendInfo = await initBackend({ ...(opts.backend ? { force: opts.backend } : {}), log: null });
  const backend = backendInfo.name;
  clock.report(0, {
    kind: "dataset",
    backend,
    message: `loading the ${job.dataset.kind} dataset on ${backendInfo.device}`,
  });
  const { input } = job.space;
  const data = await loadDataset(job.dataset, input, { uploads: opts.datasetCache });
  clock.report(1, {
    kind: "dataset",
    backend,
    message: `${data.train.count} training and ${data.val.count} validation images (${data.fingerprint})`,
  });
  throwIfAborted(signal);

  // A super-network another search trained, when one is offered and fits; else this search trains its own.
  const chosen = pickReusable(opts.reuse, data.fingerprint, await hasCheckpoint(work.supernet));
  const own = chosen
    ? undefined
    : await trainSupernet(job, data.train, data.val, work.supernet, clock, { backend }, signal);
  const { supernet, checkpoint, searchSpace, shrink } = own
    ? {
        supernet: own.trainer.supernet,
        checkpoint: own.checkpoint,
        searchSpace: own.searchSpace,
        shrink: own.trainer.shrink,
      }
    : await loadReused(job, chosen!, data.fingerprint, clock, { backend });
  try {
    if (own && opts.onSupernet) {
      const val = { ...data.val, fingerprint: data.fingerprint };
      opts.onSupernet(await describeTrained(job, supernet, val, checkpoint, work.evaluations, searchSpace));
    }
    // The evolution proposes only what the super-network trained: after space shrinking, the kept attention types.
    const { evolution, computed } = await runEvolution(
      { ...job, space: searchSpace },
      supernet,
      { ...data.val, fingerprint: data.fingerprint },
      checkpoint,
      work,
      clock,
      {
        backend,
        onCandidate: opts.onCandidate,
        signal,
        ...(opts.fanout ? { fanout: { ...opts.fanout, checkpointDir: own ? work.supernet : chosen!.dir } } : {}),
      },
    );
    const context = { checkpoint, backend, clock, signal };
    const { front, latency } = await measureFront(job, evolution.history, evolution.front, supernet, context);
    const pareto = await exportFront(job, front, supernet, data, outDir, context, latency);
    const { final, baselines } = await trainFinal(job, front, supernet, checkpoint, work, outDir, {
      backend,
      clock,
      signal,
    });
    if (final.length > 0) await writeParetoWithFinal(outDir, pareto, final);
    if (baselines.length > 0) await writeJsonAtomic(join(outDir, "baselines.json"), baselines);
    await writeReport(outDir, {
      job,
      candidates: evolution.history,
      front,
      final,
      baselines,
      backend,
      ...(shrink ? { shrink } : {}),
    });
    const points = front.map(({ id, accuracy, macs, params }) => ({ id, accuracy, macs, params }));
    clock.report(1, {
      kind: "done",
      backend,
      epochs: job.supernet.epochs,
      generation: evolution.summaries.at(-1)?.generation ?? job.search.generations,
      generations: job.search.generations,
      candidatesEvaluated: evolution.history.length,
      front: points,
      hypervolume: hypervolume(front, evolution.referenceMacs),
      message: `${evolution.history.length} architectures evaluated (${computed} in this run), ${front.length} on the front`,
    });
    return {
      job,
      backend,
      front: front.map(({ id, accuracy, macs, params, arch }) => ({
        id,
        accuracy,
        macs,
        params,
        ...(latency.has(id) ? { latency: latency.get(id)! } : {}),
        arch,
      })),
      candidatesEvaluated: evolution.history.length,
      evaluatedThisRun: computed,
      outDir,
      supernetCheckpoint: checkpoint,
      ...(chosen ? { reusedSupernet: chosen.id } : {}),
      final,
      baselines,
    };
  } finally {
    own?.trainer.dispose();
    supernet.dispose();
  }
}
