// `nas train <arch.json> --dataset <file> --out <dir>`: trains one vit-arch/v1 architecture from scratch (blocks that
// differ within a stage included) and writes an export bundle with its validation and test accuracy. --dataset is a
// nas-search/v1 job (its `supernet` section is the recipe, its `seed` the seed) or a JSON object with a `dataset`
// section and optional `supernet` and `seed`. Ctrl-C checkpoints and exits 130; the same command resumes.
import { resolve } from "node:path";
import {
  archHash,
  formatIssues,
  type NasSearch,
  type NasSearchInput,
  spaceOfArch,
  type VitSpace,
  validateArch,
  validateJob,
} from "@vitnas/formats";
import type { TrainAloneResult, TrainProgress } from "@vitnas/pipeline";
import type { Command } from "commander";
import type { SetExit } from "../command";
import { jobAround } from "../dataset-document";
import { ABORTED, interruptible } from "../interrupt";
import { backendProblem, datasetProblem } from "./search";
import { BAD_INPUT, readJsonDocument } from "./validate";

interface TrainOptions {
  dataset: string;
  out: string;
  epochs?: string;
  batchSize?: string;
  lr?: string;
  backend?: string;
  json?: boolean;
}

/** The recipe overrides of the flags, or a message naming the flag that is wrong. */
function overrides(opts: TrainOptions): { values: Record<string, number> } | { error: string } {
  const values: Record<string, number> = {};
  const integers = [
    ["--epochs", opts.epochs, "epochs"],
    ["--batch-size", opts.batchSize, "batchSize"],
  ] as const;
  for (const [flag, text, key] of integers) {
    if (text === undefined) continue;
    if (!/^\d+$/.test(text) || Number(text) < 1) return { error: `${flag}: "${text}" is not a positive integer` };
    values[key] = Number(text);
  }
  if (opts.lr !== undefined) {
    const lr = Number(opts.lr);
    if (opts.lr.trim() === "" || !Number.isFinite(lr) || lr <= 0)
      return { error: `--lr: "${opts.lr}" is not a positive number` };
    values.learningRate = lr;
  }
  return { values };
}

/** The complete job the --dataset file stands for, with the flags' overrides, or a message naming the problem. */
function jobOf(
  doc: unknown,
  file: string,
  space: VitSpace,
  values: Record<string, number>,
): { job: NasSearch; named: boolean } | { error: string } {
  const { job: wrapped, isJob, named } = jobAround(doc, space);
  const section = wrapped.supernet;
  // One architecture per step: archsPerStep does not apply, and must not fail against a smaller --batch-size.
  if (section === undefined || (typeof section === "object" && section !== null && !Array.isArray(section))) {
    wrapped.supernet = { ...(section as object | undefined), ...values, archsPerStep: 1 };
  }
  const result = validateJob(wrapped as NasSearchInput);
  if (!result.ok)
    return { error: `${file}: invalid ${isJob ? "nas-search/v1 job" : "dataset"}\n${formatIssues(result.errors)}` };
  return { job: result.value, named };
}

function epochLine(e: TrainProgress): string {
  const pct = (x: number | undefined) => (x === undefined ? "-" : `${(100 * x).toFixed(2)}%`);
  return (
    `epoch ${e.epoch}/${e.epochs}  loss ${e.loss?.toFixed(4) ?? "-"}  val ${pct(e.valAccuracy)}  ` +
    `${Math.round(e.imagesPerSec ?? 0)} img/s  ${e.seconds.toFixed(1)}s`
  );
}

function summary(id: string, r: TrainAloneResult): string {
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  return (
    `trained ${id} for ${r.epochs} epochs on ${r.backend} in ${r.seconds.toFixed(1)}s: ` +
    `validation ${pct(r.valAccuracy)}, test ${pct(r.testAccuracy)}, ` +
    `${r.macs.toLocaleString("en-US")} MACs, ${r.params.toLocaleString("en-US")} params\nbundle in ${r.outDir}`
  );
}

export function register(program: Command, setExit: SetExit): void {
  program
    .command("train")
    .description("train one vit-arch/v1 architecture from scratch and write an export bundle (val and test accuracy)")
    .argument("<arch.json>", "vit-arch/v1 architecture")
    .requiredOption(
      "--dataset <file>",
      "a nas-search/v1 job, or a JSON object with a `dataset` section (and optional `supernet`, `seed`)",
    )
    .requiredOption("--out <dir>", "the bundle directory; checkpoints stay in <dir>/.train until training ends")
    .option("--epochs <n>", "training epochs (overrides the recipe)")
    .option("--batch-size <n>", "images per step (overrides the recipe)")
    .option("--lr <x>", "peak learning rate (overrides the recipe)")
    .option("--backend <name>", "tfjs backend: tensorflow, wasm or cpu (default: the best available)")
    .option("--json", "one JSON object per line (the default when stdout is not a terminal)")
    .action(async (file: string, opts: TrainOptions) => {
      const fail = (message: string) => {
        process.stderr.write(`${message}\n`);
        setExit(BAD_INPUT);
      };
      const flags = overrides(opts);
      if ("error" in flags) return fail(flags.error);
      const backendIssue = backendProblem(opts.backend);
      if (backendIssue) return fail(backendIssue);
      const readArch = await readJsonDocument(file);
      if ("error" in readArch) return fail(readArch.error);
      const checked = validateArch(readArch.doc);
      if (!checked.ok) return fail(`${file}: invalid vit-arch/v1\n${formatIssues(checked.errors)}`);
      const arch = checked.value;
      const readData = await readJsonDocument(opts.dataset);
      if ("error" in readData) return fail(readData.error);
      const built = jobOf(readData.doc, opts.dataset, spaceOfArch(arch), flags.values);
      if ("error" in built) return fail(built.error);
      const { job } = built;
      const problem = datasetProblem(job.dataset);
      if (problem) return fail(problem);

      const { trainAlone, isAbortError } = await import("@vitnas/pipeline");
      const json = opts.json || !process.stdout.isTTY;
      const out = resolve(opts.out);
      const interrupt = interruptible();
      try {
        const result = await trainAlone(
          arch,
          { dataset: job.dataset, recipe: job.supernet, seed: job.seed, ...(built.named ? { name: job.name } : {}) },
          {
            outDir: out,
            signal: interrupt.signal,
            ...(opts.backend ? { backend: opts.backend } : {}),
            onProgress: (e) => {
              if (e.type === "start" && e.resumedAtStep)
                process.stderr.write(`resuming at step ${e.resumedAtStep} of ${e.steps}\n`);
              if (e.type !== "epoch") return;
              process.stdout.write(`${json ? JSON.stringify(e) : epochLine(e)}\n`);
            },
          },
        );
        const { valAccuracy, testAccuracy, macs, params, outDir } = result;
        process.stdout.write(
          `${json ? JSON.stringify({ valAccuracy, testAccuracy, macs, params, outDir }) : summary(archHash(arch), result)}\n`,
        );
      } catch (err) {
        if (isAbortError(err)) {
          process.stderr.write(`${(err as Error).message}; run the same command to resume\n`);
          return setExit(ABORTED);
        }
        const message = (err as Error).message;
        process.stderr.write(`training failed: ${message}\n`);
        // Problems with the data, the directories or the batch size against the data are bad input.
        setExit(
          /^(dataset|work directory|output directory)|exceeds the \d+ training images/.test(message) ? BAD_INPUT : 1,
        );
      } finally {
        interrupt.release();
      }
    });
}
