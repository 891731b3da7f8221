// `npm run bench -- --only realdata`: the product's whole output on real data. examples/fashion-mnist-final.json
// (Fashion-MNIST from Debian's dataset-fashion-mnist, 12,000 training / 1,000 validation images; a fixed conv stem,
// every attention type in both stages, residual reductions; 4 super-network epochs; 80 architectures over 3
// generations), then the final phase: the top 3 front architectures fine-tuned 3 epochs (learning rate 1e-3) from
// their inherited weights on 36,000 training images (final.train) + the validation images, and two built-in
// baselines (the space's uniform smallest and median, softmax) trained the same way, all measured on Fashion-MNIST's
// own 10,000 test images. Targets (docs/final-phase.md): the whole run within
// 60 minutes on the 2-core machine; the most accurate trained front architecture >= 0.88 test accuracy; at least
// one trained front architecture more accurate than every baseline at equal or higher MACs. The work directory
// (.tmp/realdata, or REALDATA_WORK) makes an interrupted run resume; REALDATA_DATA names another IDX directory.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { validateJob } from "@vitnas/formats";
import { runSearch, winsOverBaselines } from "@vitnas/pipeline";
import type { BenchSection } from "./run";

const root = resolve(import.meta.dirname, "..");
const DATA = process.env.REALDATA_DATA ?? "/usr/share/datasets/fashion-mnist";

const pct = (x: number) => (100 * x).toFixed(2);

export async function bench(): Promise<BenchSection> {
  if (!existsSync(DATA)) {
    return { name: "realdata", figures: { skipped: `${DATA} is missing (apt-get install dataset-fashion-mnist)` } };
  }
  const checked = validateJob(JSON.parse(await readFile(join(root, "examples", "fashion-mnist-final.json"), "utf8")));
  if (!checked.ok) throw new Error("examples/fashion-mnist-final.json is invalid");
  const job = { ...checked.value, dataset: { ...checked.value.dataset, path: DATA } } as typeof checked.value;
  const work = resolve(process.env.REALDATA_WORK ?? join(root, ".tmp", "realdata"));
  const started = performance.now();
  const result = await runSearch(job, {
    workDir: work,
    outDir: join(work, "out"),
    onProgress: (e) => {
      if (e.message) process.stderr.write(`realdata: ${e.phase} ${e.message}\n`);
    },
  });
  const minutes = (performance.now() - started) / 60_000;
  const macs = new Map(result.front.map((p) => [p.id, p.macs]));
  const best = result.final.reduce((b, f) => (f.testAccuracy > b.testAccuracy ? f : b));
  const wins = winsOverBaselines(result);
  return {
    name: "realdata",
    figures: {
      "training (search / final) / validation / test images": `${job.dataset.kind === "idx" ? job.dataset.train : "?"} / ${job.final.train ?? "same"} / ${result.job.dataset.kind === "idx" ? result.job.dataset.val : "?"} / 10000`,
      "wall minutes, search + final (target <= 60; 0 work when resumed)": Math.round(minutes * 10) / 10,
      backend: result.backend,
      "architectures evaluated": result.candidatesEvaluated,
      "front: inherited validation accuracy % @ MACs": result.front
        .map((p) => `${pct(p.accuracy)}@${p.macs}`)
        .join(" "),
      "trained front: test accuracy % @ MACs": result.final
        .map((f) => `${pct(f.testAccuracy)}@${macs.get(f.id)}`)
        .join(" "),
      "most accurate trained: test % (target >= 88) @ MACs": `${pct(best.testAccuracy)}@${macs.get(best.id)}`,
      "baselines: test accuracy % @ MACs": result.baselines
        .map((b) => `${b.name} ${pct(b.testAccuracy)}@${b.macs}`)
        .join(", "),
      "trained front beating every baseline at <= MACs (target >= 1)": wins.length,
    },
  };
}
