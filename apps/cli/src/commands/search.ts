// `nas search <job.json> --out <dir>`: runs a nas-search/v1 job in this process: progress bars on a terminal, one
// JSON object per line otherwise, the front as a table at the end. Ctrl-C checkpoints and exits 130; the same command
// resumes from the work directory.
import { existsSync, statSync } from "node:fs";
import { access, constants, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type DatasetSpec, formatIssues, type NasSearch, validateJob } from "@vitnas/formats";
import type { CandidateRecord, FinalResult, ProgressEvent, SearchResult } from "@vitnas/pipeline";
import type { Command } from "commander";
import type { SetExit } from "../command";
import { ABORTED, interruptible } from "../interrupt";
import { BAD_INPUT, readJsonDocument } from "./validate";

const BACKENDS = ["tensorflow", "wasm", "cpu"];

/** Why a dataset cannot be read, before any work starts; undefined when it looks readable. */
export function datasetProblem(dataset: DatasetSpec): string | undefined {
  // An uploaded dataset has no path here: the loader looks for it in DATASET_CACHE_DIR (docs/datasets.md).
  if (dataset.kind === "synthetic" || dataset.kind === "uploaded") return undefined;
  if (!existsSync(dataset.path)) return `dataset.path: ${dataset.path} does not exist`;
  if (!statSync(dataset.path).isDirectory()) return `dataset.path: ${dataset.path} is not a directory`;
  if (dataset.kind === "folder" && dataset.testPath !== undefined && !existsSync(dataset.testPath)) {
    return `dataset.testPath: ${dataset.testPath} does not exist`;
  }
  return undefined;
}

export function backendProblem(name: string | undefined): string | undefined {
  return name === undefined || BACKENDS.includes(name)
    ? undefined
    : `--backend: "${name}" is not one of ${BACKENDS.join(", ")}`;
}

async function writableProblem(dir: string, what: string): Promise<string | undefined> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
    return undefined;
  } catch (err) {
    return `${what} ${dir} cannot be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
}

/** The job of `file`, complete, or a message naming what is wrong. */
export async function readJob(file: string): Promise<{ job: NasSearch } | { error: string }> {
  const read = await readJsonDocument(file);
  if ("error" in read) return read;
  const result = validateJob(read.doc);
  if (!result.ok) return { error: `${file}: invalid nas-search/v1 job\n${formatIssues(result.errors)}` };
  return { job: result.value };
}

/**
 * The front by MACs; with measured latency, its median and p90 in ONNX Runtime beside MACs; with the final phase's
 * results, a column of trained test accuracy ("-": not trained).
 */
export function frontTable(front: SearchResult["front"], final: readonly FinalResult[] = []): string {
  const trained = new Map(final.map((f) => [f.id, f]));
  const measured = front.find((p) => p.latency)?.latency;
  const latencyHead = measured ? [`ms (onnx, ${measured.threads}t)`] : [];
  const rows = [["id", "accuracy", "MACs", ...latencyHead, "params", ...(final.length ? ["trained: test"] : [])]];
  const percent = (x: number) => `${(100 * x).toFixed(2)}%`;
  for (const p of [...front].sort((a, b) => a.macs - b.macs)) {
    const f = trained.get(p.id);
    rows.push([
      p.id,
      percent(p.accuracy),
      p.macs.toLocaleString("en-US"),
      ...(measured ? [p.latency ? `${p.latency.medianMs} (p90 ${p.latency.p90Ms})` : "-"] : []),
      p.params.toLocaleString("en-US"),
      ...(final.length ? [f ? percent(f.testAccuracy) : "-"] : []),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  return [line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

interface Display {
  progress(event: ProgressEvent): void;
  candidate(candidate: CandidateRecord): void;
  finish(result: SearchResult): void;
  stop(): void;
}

function jsonDisplay(): Display {
  const line = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
  return {
    progress: (event) => line({ type: "progress", ...event }),
    candidate: ({ arch: _arch, ...c }) => line({ type: "candidate", ...c }),
    finish: (r) =>
      line({
        type: "result",
        backend: r.backend,
        outDir: r.outDir,
        candidatesEvaluated: r.candidatesEvaluated,
        supernetCheckpoint: r.supernetCheckpoint,
        front: r.front.map(({ arch: _arch, ...p }) => p),
        final: r.final,
      }),
    stop: () => {},
  };
}

async function barDisplay(): Promise<Display> {
  const { MultiBar, Presets } = await import("cli-progress");
  const bars = new MultiBar(
    {
      format: "{phase} |{bar}| {value}/{total} {info}",
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      barsize: 30,
    },
    Presets.shades_classic,
  );
  const byPhase = new Map<string, ReturnType<typeof bars.create>>();
  const bar = (phase: string, total: number) => {
    let b = byPhase.get(phase);
    if (!b) {
      b = bars.create(total, 0, { phase: phase.padEnd(8), info: "" });
      byPhase.set(phase, b);
    }
    b.setTotal(total);
    return b;
  };
  const eta = (e: ProgressEvent) =>
    e.etaSeconds === undefined ? "" : ` | ${e.percent.toFixed(0)}% ETA ${e.etaSeconds}s`;
  // The front comes with each generation's end; evaluations in between show the last one.
  let front = { size: 0, hypervolume: "-" };
  return {
    progress(e) {
      switch (e.kind) {
        case "supernet-step": {
          const info = `epoch ${Math.min(e.epoch + 1, e.epochs)}/${e.epochs} loss ${e.loss?.toFixed(3) ?? "-"} ${e.imagesPerSec ?? "-"} img/s${eta(e)}`;
          bar("supernet", e.steps).update(e.step, { info });
          return;
        }
        case "generation":
          front = { size: e.front.length, hypervolume: e.hypervolume.toFixed(4) };
          return;
        case "evaluation": {
          const info = `gen ${e.generation}/${e.generations} evaluated ${e.candidatesEvaluated} front ${front.size} HV ${front.hypervolume}${eta(e)}`;
          bar("search", e.generations + 1).update(Math.min(e.generations + 1, e.generation + 1), { info });
          return;
        }
        case "export":
          bar("export", 1).update(0, { info: e.message ?? "" });
          return;
        case "final-step":
          if (e.steps) {
            const info = `${e.message ?? ""} loss ${e.loss?.toFixed(3) ?? "-"}${eta(e)}`;
            bar("final", e.steps).update(e.step ?? 0, { info });
            return;
          }
      }
      if (e.message) bars.log(`${e.message}\n`);
    },
    candidate: () => {},
    finish(r) {
      bars.stop();
      process.stdout.write(
        `\n${r.candidatesEvaluated} architectures evaluated on ${r.backend}; front (${r.front.length}):\n${frontTable(r.front, r.final)}\n` +
          (r.final.length ? `trained models (test accuracy above) in ${r.outDir}/trained\n` : "") +
          `bundles and pareto.json in ${r.outDir}\n`,
      );
    },
    stop: () => bars.stop(),
  };
}

interface SearchOptions {
  out: string;
  work?: string;
  json?: boolean;
  backend?: string;
  supernet?: string;
}

/** The checkpoint directory of `--supernet`: an earlier search's work directory (its `supernet/`) or the directory itself. */
function supernetDir(dir: string): { dir: string } | { error: string } {
  for (const candidate of [join(dir, "supernet"), dir]) {
    if (existsSync(join(candidate, "checkpoint.json"))) return { dir: candidate };
  }
  return { error: `--supernet: ${dir} holds no super-network checkpoint (neither ${dir}/supernet nor ${dir} itself)` };
}

export function register(program: Command, setExit: SetExit): void {
  program
    .command("search")
    .description("run a nas-search/v1 job: train the super-network, search, export the front")
    .argument("<job.json>", "nas-search/v1 job")
    .requiredOption("--out <dir>", "where the bundles and pareto.json go")
    .option("--work <dir>", "checkpoints and search state; running again resumes (default <out>/work)")
    .option("--json", "one JSON object per line (the default when stdout is not a terminal)")
    .option("--backend <name>", "tfjs backend: tensorflow, wasm or cpu (default: the best available)")
    .option(
      "--supernet <dir>",
      "search on the super-network an earlier `nas search` trained (its work directory): no training (docs/supernet-reuse.md)",
    )
    .action(async (file: string, opts: SearchOptions) => {
      const fail = (message: string) => {
        process.stderr.write(`${message}\n`);
        setExit(BAD_INPUT);
      };
      const read = await readJob(file);
      if ("error" in read) return fail(read.error);
      const { job } = read;
      const out = resolve(opts.out);
      const work = resolve(opts.work ?? join(out, "work"));
      const reuse = opts.supernet === undefined ? undefined : supernetDir(resolve(opts.supernet));
      const problem =
        datasetProblem(job.dataset) ??
        backendProblem(opts.backend) ??
        (reuse !== undefined && "error" in reuse ? reuse.error : undefined) ??
        (job.supernet.from !== undefined && reuse === undefined
          ? "supernet.from: names a super-network of the service; `nas search` searches on a local one with " +
            "--supernet <an earlier search's work directory>"
          : undefined) ??
        (await writableProblem(out, "output directory")) ??
        (await writableProblem(work, "work directory"));
      if (problem) return fail(problem);

      const { runSearch, isAbortError } = await import("@vitnas/pipeline");
      const display = opts.json || !process.stdout.isTTY ? jsonDisplay() : await barDisplay();
      const interrupt = interruptible();
      try {
        const result = await runSearch(job, {
          workDir: work,
          outDir: out,
          signal: interrupt.signal,
          ...(opts.backend ? { backend: opts.backend } : {}),
          ...(reuse && "dir" in reuse ? { reuse: [{ id: opts.supernet!, dir: reuse.dir, anyData: true }] } : {}),
          onProgress: (e) => display.progress(e),
          onCandidate: (c) => display.candidate(c),
        });
        display.finish(result);
      } catch (err) {
        display.stop();
        if (isAbortError(err)) {
          process.stderr.write(`${(err as Error).message}; run the same command to resume (work directory ${work})\n`);
          return setExit(ABORTED);
        }
        const message = (err as Error).message;
        process.stderr.write(`search failed: ${message}\n`);
        // Problems with the data or the directories are bad input, found once the dataset is read.
        setExit(/^(dataset|work directory|output directory)/.test(message) ? BAD_INPUT : 1);
      } finally {
        interrupt.release();
      }
    });
}
