// Pipeline benchmarks on the demo job (examples/demo.json), each figure measured in this run:
// - ranking fidelity: Kendall tau between accuracy with inherited weights and accuracy of the same architecture
//   trained alone with the same recipe and seed, for 12 architectures of the demo space drawn one per MACs stratum
//   (so the ranking has real differences to find), both measured on the whole validation split; the tau of MACs
//   alone against stand-alone accuracy is printed beside it as the baseline the super-network has to beat;
// - search quality at equal evaluation budget: the front found by evolution against the best of as many random
//   architectures at equal or lower MACs, all evaluated with the same super-network weights on the same split.
// The demo search runs through runSearch into .tmp/bench-pipeline (resumable: a second run reuses it).
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadDataset } from "@vitnas/datasets";
import { countArch, type NasSearch, spaceOfArch, type VitArch, validateJob } from "@vitnas/formats";
import {
  accuracyGap,
  hypervolume,
  kendallTau,
  ParetoFront,
  pairAgreement,
  randomArchs,
  referenceMacs,
  stratifiedByMacs,
} from "@vitnas/search";
import { Evaluator, initBackend, loadCheckpoint, Supernet, Trainer } from "@vitnas/supernet";
import type { BenchSection } from "../../../bench/run";
import { runSearch } from "../src/index";

const root = resolve(import.meta.dirname, "../../..");
const ARCHS = Number(process.env.BENCH_ARCHS ?? 12);
/** Epochs of stand-alone training per architecture (default: the super-network's; its recipe otherwise). */
const STANDALONE_EPOCHS = process.env.BENCH_STANDALONE_EPOCHS ? Number(process.env.BENCH_STANDALONE_EPOCHS) : undefined;

function demoJob(): NasSearch {
  const result = validateJob(JSON.parse(readFileSync(join(root, "examples/demo.json"), "utf8")));
  if (!result.ok) throw new Error(`examples/demo.json: ${JSON.stringify(result.errors)}`);
  return result.value;
}

/** Every block of a stage made like its first, so the architecture is the only member of its own space. */
function uniformStages(arch: VitArch): VitArch {
  return { ...arch, stages: arch.stages.map((s) => ({ ...s, blocks: s.blocks.map(() => ({ ...s.blocks[0]! })) })) };
}

export async function bench(): Promise<BenchSection[]> {
  const job = demoJob();
  const work = join(root, ".tmp/bench-pipeline");
  const started = performance.now();
  const result = await runSearch(job, { workDir: join(work, "work"), outDir: join(work, "out") });
  const searchSeconds = (performance.now() - started) / 1000;
  await initBackend({ log: null });
  const data = await loadDataset(job.dataset, job.space.input);
  const trainer = await loadCheckpoint(join(work, "work", "supernet"), data.train);
  const evaluator = new Evaluator(trainer.supernet, data.val);

  // Search quality: as many random architectures as evolution evaluated, same weights, same split; like evolution's
  // proposals they must meet the job's constraints (a random draw outside them is drawn again, not shrunk).
  const random = new ParetoFront<{ accuracy: number; macs: number }>();
  for (const arch of randomArchs(job.space, job.search.constraints, result.candidatesEvaluated, job.seed + 1000)) {
    random.insert({ accuracy: await evaluator.accuracy(arch), macs: countArch(arch).macs });
  }
  const reference = referenceMacs(job.space, job.search);
  // Front points cheaper than every random architecture have nothing to compare with: counted apart.
  const comparable = result.front.filter((p) => random.points.some((r) => r.macs <= p.macs));
  const gaps = comparable.map(
    (p) => p.accuracy - Math.max(...random.points.filter((r) => r.macs <= p.macs).map((r) => r.accuracy)),
  );

  // Ranking fidelity: inherited accuracy against stand-alone training of the same architectures.
  const archs = stratifiedByMacs(job.space, { count: ARCHS, seed: job.seed + 2000, map: uniformStages });
  const epochs = STANDALONE_EPOCHS ?? job.supernet.epochs;
  const inherited: number[] = [];
  const alone: number[] = [];
  const lastEpochLoss: number[] = [];
  const standaloneStarted = performance.now();
  for (const arch of archs) {
    inherited.push(await evaluator.accuracy(arch));
    const net = Supernet.create(spaceOfArch(arch), { seed: job.seed });
    const single = new Trainer(net, data.train, { ...job.supernet, epochs, archsPerStep: 1 }, { seed: job.seed });
    let losses: number[] = [];
    while (!single.done) {
      losses = [];
      await single.trainEpoch({ onStep: (s) => losses.push(s.loss) });
    }
    lastEpochLoss.push(losses.reduce((a, b) => a + b, 0) / Math.max(1, losses.length));
    const own = new Evaluator(net, data.val);
    alone.push(await own.accuracy(arch));
    process.stderr.write(
      `pipeline bench: ${alone.length}/${archs.length} trained alone (${countArch(arch).macs} MACs): inherited ${inherited.at(-1)!.toFixed(3)}, alone ${alone.at(-1)!.toFixed(3)}, ${((performance.now() - standaloneStarted) / 1000).toFixed(0)} s\n`,
    );
    own.dispose();
    single.dispose();
    net.dispose();
  }
  const standaloneSeconds = (performance.now() - standaloneStarted) / 1000;
  evaluator.dispose();
  trainer.supernet.dispose();

  const macs = archs.map((a) => countArch(a).macs);
  // Near-ties of stand-alone accuracy are measurement noise (500 images): agreement on the pairs it does separate.
  const gap = accuracyGap(alone.reduce((a, b) => a + b, 0) / alone.length, data.val.count);
  const separated = pairAgreement(inherited, alone, gap);
  const separatedByMacs = pairAgreement(macs, alone, gap);
  const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;
  return [
    {
      name: "pipeline: demo search",
      figures: {
        backend: result.backend,
        "runSearch seconds (0 work when resumed from .tmp)": round(searchSeconds, 1),
        "architectures evaluated (evolution = random budget)": result.candidatesEvaluated,
        "evolution front size": result.front.length,
        "random front size": random.size,
        "hypervolume evolution": round(hypervolume(result.front, reference)),
        "hypervolume random": round(hypervolume(random.points, reference)),
        "front points cheaper than every random architecture": result.front.length - comparable.length,
        "other front points >= best random at <= MACs": `${gaps.filter((g) => g >= 0).length}/${gaps.length}`,
        "mean accuracy gain over best random at <= MACs": gaps.length
          ? round(gaps.reduce((a, b) => a + b, 0) / gaps.length)
          : "n/a",
        "cheapest MACs evolution / random": `${Math.min(...result.front.map((p) => p.macs))} / ${Math.min(...random.points.map((p) => p.macs))}`,
        "best accuracy evolution": round(Math.max(...result.front.map((p) => p.accuracy))),
        "best accuracy random": round(Math.max(...random.points.map((p) => p.accuracy))),
      },
    },
    {
      name: "pipeline: ranking fidelity",
      figures: {
        "architectures (one per MACs stratum)": ARCHS,
        "validation images": data.val.count,
        "stand-alone epochs": epochs,
        "kendall tau (inherited vs stand-alone)": round(kendallTau(inherited, alone), 3),
        [`pairs stand-alone separates by > ${gap.toFixed(3)} (2 s.e.): inherited agrees`]: `${separated.agreeing}/${separated.pairs}`,
        "same pairs: MACs order agrees (baseline)": `${separatedByMacs.agreeing}/${separatedByMacs.pairs}`,
        "kendall tau (MACs vs stand-alone, baseline)": round(kendallTau(macs, alone), 3),
        "kendall tau (inherited vs MACs)": round(kendallTau(inherited, macs), 3),
        MACs: macs.join(" "),
        "inherited accuracies": inherited.map((a) => a.toFixed(3)).join(" "),
        "stand-alone accuracies": alone.map((a) => a.toFixed(3)).join(" "),
        "stand-alone last-epoch losses": lastEpochLoss.map((l) => l.toFixed(3)).join(" "),
        "stand-alone training seconds": round(standaloneSeconds, 1),
      },
    },
  ];
}
