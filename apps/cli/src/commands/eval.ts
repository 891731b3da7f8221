// `nas eval <bundle> --dataset <file> [--split val|test]`: the accuracy of an exported model, loaded alone, on a
// dataset's validation split (the same split a search of that dataset holds out, the default) or on its test split,
// which neither training nor the search ever saw. Prints {"accuracy": <number>}.
import { formatIssues, type NasSearchInput, spaceOfArch, validateJob } from "@vitnas/formats";
import type { Command } from "commander";
import type { SetExit } from "../command";
import { jobAround } from "../dataset-document";
import { backendProblem, datasetProblem } from "./search";
import { BAD_INPUT, readJsonDocument } from "./validate";

const SPLITS = ["val", "test"] as const;

export function register(program: Command, setExit: SetExit): void {
  program
    .command("eval")
    .description('print {"accuracy": <number>} of an exported model on a dataset\'s validation or test split')
    .argument("<bundle-dir>", "an exported architecture directory (out/architectures/<id>)")
    .requiredOption("--dataset <file>", "a nas-search/v1 job, or a JSON object with its `dataset` section")
    .option("--split <name>", "val (the search's fitness split) or test (never seen by the search)", "val")
    .option("--backend <name>", "tfjs backend: tensorflow, wasm or cpu (default: the best available)")
    .action(async (dir: string, opts: { dataset: string; split: string; backend?: string }) => {
      const fail = (message: string) => {
        process.stderr.write(`${message}\n`);
        setExit(BAD_INPUT);
      };
      const backend = backendProblem(opts.backend);
      if (backend) return fail(backend);
      const splitName = SPLITS.find((s) => s === opts.split);
      if (!splitName) return fail(`--split: "${opts.split}" is not one of ${SPLITS.join(", ")}`);
      const read = await readJsonDocument(opts.dataset);
      if ("error" in read) return fail(read.error);
      const { loadBundle, standaloneAccuracy } = await import("@vitnas/pipeline");
      let bundle: Awaited<ReturnType<typeof loadBundle>>;
      try {
        bundle = await loadBundle(dir);
      } catch (err) {
        return fail((err as Error).message);
      }
      try {
        const { job } = jobAround(read.doc, spaceOfArch(bundle.model.arch));
        const result = validateJob(job as NasSearchInput);
        if (!result.ok) return fail(`${opts.dataset}: invalid dataset\n${formatIssues(result.errors)}`);
        const spec = result.value.dataset;
        const problem = datasetProblem(spec);
        if (problem) return fail(problem);
        const { initBackend } = await import("@vitnas/supernet");
        await initBackend({ ...(opts.backend ? { force: opts.backend } : {}), log: null });
        const { loadDataset } = await import("@vitnas/datasets");
        let data: Awaited<ReturnType<typeof loadDataset>>;
        try {
          data = await loadDataset(spec, bundle.model.arch.input);
        } catch (err) {
          return fail((err as Error).message);
        }
        if (data[splitName].count === 0) return fail(`${opts.dataset}: the dataset's ${splitName} split is empty`);
        const split = renormalized(data[splitName], data.normalization, bundle.preprocessing.normalization);
        const accuracy = await standaloneAccuracy(bundle.model, split);
        process.stdout.write(`${JSON.stringify({ accuracy })}\n`);
      } finally {
        bundle.model.dispose();
      }
    });
}

type Norm = { mean: number[]; std: number[] };

/** The split as the model expects it: the dataset was normalised with its own statistics, the model with its own. */
function renormalized<S extends { images: Float32Array }>(split: S, from: Norm, to: Norm): S {
  const same = from.mean.every((m, k) => m === to.mean[k] && from.std[k] === to.std[k]);
  if (same) return split;
  const c = to.mean.length;
  const images = split.images.map((v, i) => {
    const k = i % c;
    return (v * from.std[k]! + from.mean[k]! - to.mean[k]!) / to.std[k]!;
  });
  return { ...split, images };
}
