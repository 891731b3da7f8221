// `nas export <bundle-dir|arch.json> --format onnx|safetensors --out <file>`: a model with its weights as a file
// other runtimes load (docs/export.md), with `preprocessing.json` beside it. The model is a bundle or a saved
// standalone model directory (arch.json, weights.json, weights.bin), or an arch.json with --weights; the
// normalisation comes from the bundle's preprocessing.json or --preprocessing. Prints one JSON line.
import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { canonicalArchJson, formatIssues, validateArch } from "@vitnas/formats";
import type { Command } from "commander";
import type { SetExit } from "../command";
import { BAD_INPUT, readJsonDocument } from "./validate";

const FORMATS = ["onnx", "safetensors", "tfjs-weights"] as const;
const LAYOUTS = ["nchw", "nhwc"] as const;
const BATCH_NORM = ["fold", "node"] as const;

interface ExportOptions {
  format: string;
  out: string;
  weights?: string;
  preprocessing?: string;
  layout: string;
  batchNorm: string;
}

export function register(program: Command, setExit: SetExit): void {
  program
    .command("export")
    .description(
      "write a model with its weights as ONNX (opset 17) or safetensors, and preprocessing.json beside it; or " +
        "tfjs-weights: the model's own files (arch.json, weights.json, weights.bin, preprocessing.json) in --out",
    )
    .argument("<model>", "a bundle directory (out/architectures/<id>), a saved model directory, or an arch.json")
    .requiredOption("--format <format>", `one of ${FORMATS.join(", ")}`)
    .requiredOption("--out <file>", "the file to write (written whole or not at all); for tfjs-weights a directory")
    .option("--weights <weights.json>", "the weights of an arch.json (default: weights.json beside it)")
    .option("--preprocessing <file>", "the normalisation the model was trained with (default: its preprocessing.json)")
    .option("--layout <layout>", "ONNX input layout: nchw or nhwc", "nchw")
    .option("--batch-norm <mode>", "ONNX stem batch norm: fold (into the conv) or node", "fold")
    .action(async (source: string, opts: ExportOptions) => {
      const fail = (message: string) => {
        process.stderr.write(`${message}\n`);
        setExit(BAD_INPUT);
      };
      const format = FORMATS.find((f) => f === opts.format);
      if (!format) return fail(`--format: "${opts.format}" is not one of ${FORMATS.join(", ")}`);
      const layout = LAYOUTS.find((l) => l === opts.layout.toLowerCase());
      if (!layout) return fail(`--layout: "${opts.layout}" is not one of ${LAYOUTS.join(", ")}`);
      const batchNorm = BATCH_NORM.find((b) => b === opts.batchNorm);
      if (!batchNorm) return fail(`--batch-norm: "${opts.batchNorm}" is not one of ${BATCH_NORM.join(", ")}`);
      if (!existsSync(source)) return fail(`${source} does not exist`);

      const isDir = statSync(source).isDirectory();
      const modelDir = isDir ? source : opts.weights ? weightsDir(opts.weights) : dirname(source);
      if (!existsSync(join(modelDir, "weights.json"))) {
        return fail(`no weights.json in ${modelDir}${isDir ? "" : ": pass --weights <weights.json>"}`);
      }
      const preprocessingFile = opts.preprocessing ?? join(isDir ? source : dirname(source), "preprocessing.json");
      if (!existsSync(preprocessingFile)) {
        return fail(
          `no ${preprocessingFile}: pass --preprocessing <file> with the normalisation the model was trained with ` +
            "(a bundle's preprocessing.json)",
        );
      }
      const read = await readJsonDocument(preprocessingFile);
      if ("error" in read) return fail(read.error);
      const training = (await import("@vitnas/export")).trainingInputOf(read.doc);
      if (typeof training === "string") return fail(`${preprocessingFile}: ${training}`);

      const { initBackend, StandaloneModel } = await import("@vitnas/supernet");
      // Exporting only copies numbers out of tensors: the plain JavaScript backend is enough and starts at once.
      await initBackend({ force: "cpu", log: null });
      let model: Awaited<ReturnType<typeof StandaloneModel.load>>;
      try {
        model = await StandaloneModel.load(modelDir);
      } catch (err) {
        return fail((err as Error).message);
      }
      try {
        if (!isDir) {
          const arch = await readJsonDocument(source);
          if ("error" in arch) return fail(arch.error);
          const valid = validateArch(arch.doc);
          if (!valid.ok) return fail(`${source}: invalid vit-arch/v1 architecture\n${formatIssues(valid.errors)}`);
          if (canonicalArchJson(valid.value) !== canonicalArchJson(model.arch)) {
            return fail(`${source} is not the architecture of the weights in ${modelDir}`);
          }
        }
        if (format === "tfjs-weights") {
          try {
            return await copyWeights(model, opts.out, read.doc);
          } catch (err) {
            return fail(`cannot write ${opts.out}: ${(err as Error).message}`);
          }
        }
        const { writeExport } = await import("@vitnas/export");
        let written: Awaited<ReturnType<typeof writeExport>>;
        try {
          written = await writeExport(model, training, opts.out, {
            format,
            layout: layout === "nchw" ? "NCHW" : "NHWC",
            batchNorm,
          });
        } catch (err) {
          return fail(`cannot export: ${(err as Error).message}`);
        }
        const { path, bytes, sha256, preprocessingPath } = written;
        process.stdout.write(
          `${JSON.stringify({ format, out: path, bytes, sha256, preprocessing: preprocessingPath, layout: written.preprocessing.input.layout })}\n`,
        );
      } finally {
        model.dispose();
      }
    });
}

/**
 * tfjs-weights: the model's own format, re-saved from the loaded model (so the weights were checked against their
 * digest on the way) with the preprocessing document it was read with, as `nas predict` and `nas eval` read them.
 */
async function copyWeights(
  model: import("@vitnas/supernet").StandaloneModel,
  out: string,
  preprocessing: unknown,
): Promise<void> {
  const { writeFileAtomic } = await import("@vitnas/export");
  await model.save(out);
  const preprocessingPath = join(out, "preprocessing.json");
  await writeFileAtomic(preprocessingPath, `${JSON.stringify(preprocessing, null, 2)}\n`);
  const bytes = await readFile(join(out, "weights.bin"));
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  process.stdout.write(
    `${JSON.stringify({ format: "tfjs-weights", out, bytes: bytes.length, sha256, preprocessing: preprocessingPath, layout: "NHWC" })}\n`,
  );
}

/** The directory holding weights.json and weights.bin, from --weights (the file or its directory). */
function weightsDir(path: string): string {
  return existsSync(path) && statSync(path).isDirectory() ? path : dirname(path);
}
