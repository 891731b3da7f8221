// Train once, search many (docs/supernet-reuse.md): the demo search in full (super-network training, evolution,
// export), then a second search with another MACs budget on the super-network the first trained, in the same run.
// `npm run bench -- --only reuse`; REUSE_JOB picks another job (default examples/demo.json), REUSE_BACKEND a backend.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type NasSearchInput, validateJob } from "@vitnas/formats";
import { runSearch, type TrainedSupernet } from "@vitnas/pipeline";
import type { BenchSection } from "./run";

const root = resolve(import.meta.dirname, "..");

function job(change: (doc: NasSearchInput) => void = () => {}) {
  const doc = JSON.parse(readFileSync(process.env.REUSE_JOB ?? join(root, "examples", "demo.json"), "utf8"));
  change(doc);
  const result = validateJob(doc);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

export async function bench(): Promise<BenchSection> {
  const dir = await mkdtemp(join(tmpdir(), "bench-reuse-"));
  const backend = process.env.REUSE_BACKEND ?? "wasm";
  try {
    let trained: TrainedSupernet | undefined;
    let started = performance.now();
    const full = await runSearch(job(), {
      workDir: join(dir, "full"),
      backend,
      onSupernet: (s) => {
        trained = s;
      },
    });
    const fullSeconds = (performance.now() - started) / 1000;
    if (!trained) throw new Error("the full search reported no trained super-network");
    // Another budget: the MACs of the front's middle architecture.
    const macs = full.front.map((p) => p.macs).sort((a, b) => a - b);
    const budget = macs[Math.floor(macs.length / 2)]!;
    started = performance.now();
    const again = await runSearch(
      job((doc) => {
        doc.search = { ...doc.search, constraints: { macs: { max: budget } } };
      }),
      {
        workDir: join(dir, "again"),
        backend,
        reuse: [{ id: "full", dir: join(dir, "full", "supernet"), anyData: true }],
      },
    );
    const againSeconds = (performance.now() - started) / 1000;
    return {
      name: "reuse",
      figures: {
        "full search, s": Math.round(fullSeconds * 10) / 10,
        "second search on its super-network, s": Math.round(againSeconds * 10) / 10,
        "second / full": Math.round((againSeconds / fullSeconds) * 100) / 100,
        "second search's MACs budget": budget,
        "candidates evaluated (full / second)": `${full.candidatesEvaluated} / ${again.candidatesEvaluated}`,
        "largest / smallest sub-network accuracy": `${trained.largest.accuracy} / ${trained.smallest.accuracy}`,
        "second search trained": again.reusedSupernet === undefined,
        backend,
      },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
