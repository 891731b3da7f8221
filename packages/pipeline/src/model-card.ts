// The README.md of an export bundle: what the model is, how it was measured, and how to use it.
import { type AttentionSpec, countArch, type VitArch } from "@vitnas/formats";
import type { BundleMetrics, Preprocessing } from "./bundle-documents";

function attentionName(a: AttentionSpec): string {
  const params = Object.entries(a)
    .filter(([k]) => k !== "type")
    .map(([k, v]) => `${k}=${v}`);
  return params.length ? `${a.type}(${params.join(", ")})` : a.type;
}

/** The measured batch-1 latency as a table row (docs/export.md, "Latency"); nothing when it was not measured. */
function latencyRow(m: BundleMetrics): string {
  const l = m.latency;
  if (!l) return "";
  const threads = `${l.threads} ${l.threads === 1 ? "thread" : "threads"}`;
  return `| latency, ONNX Runtime, batch 1 | ${l.medianMs} ms median, ${l.p90Ms} ms p90 (${threads}, ${l.runs} runs, ${l.cpu}) |\n`;
}

export function modelCard(arch: VitArch, m: BundleMetrics, p: Preprocessing): string {
  const count = countArch(arch);
  const stages = arch.stages.map((s, i) => {
    const blocks = s.blocks.map((b) => `${b.heads}h/${b.mlpHidden} ${attentionName(b.attention)}`).join("; ");
    return `| ${i} | ${s.width} | ${s.headDim} | ${i === 0 ? "-" : s.reduction} | ${s.blocks.length} | ${blocks} |`;
  });
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  // Rows and prose that differ between weights trained alone (`nas train`) and weights inherited from a search.
  const t = m.training;
  const origin = t
    ? `A Vision Transformer trained from scratch for this architecture alone (\`nas train\`, ${t.epochs} epochs).`
    : `A Vision Transformer found by the search \`${m.job}\` on the accuracy/MACs Pareto front.`;
  const rows = [
    m.testAccuracy !== undefined ? `| test accuracy (this model) | ${pct(m.testAccuracy)} |\n` : "",
    m.searchAccuracy !== undefined
      ? `| validation accuracy (inherited weights, search fitness) | ${pct(m.searchAccuracy)} |\n`
      : "",
  ].join("");
  const source = t
    ? `| training | ${t.epochs} epochs, batch ${t.recipe.batchSize}, learning rate ${t.recipe.learningRate} |`
    : `| super-network checkpoint | ${m.supernetCheckpoint} |`;
  const limits = t
    ? `The weights were trained for this architecture alone on the training split, with the recipe recorded in
\`metrics.json\` (\`training.recipe\`); the validation and test splits were held out of training.`
    : `The weights are copied from the trained super-network (weight sharing), not trained for this architecture alone.
They rank architectures well but are not the accuracy a full training would reach: retrain the architecture from
\`arch.json\` before production use. The validation split was held out of super-network training.`;
  return `# Architecture ${m.id}

${origin}

| | |
|---|---|
| validation accuracy (this model) | ${pct(m.accuracy)} |
${rows}| MACs | ${m.macs.toLocaleString("en-US")} |
${latencyRow(m)}| parameters | ${m.params.toLocaleString("en-US")} |
| input | ${p.imageSize}x${p.imageSize}x${p.channels}, ${p.classNames.length} classes |
| dataset | ${m.dataset.kind}, validation split of ${m.split.count} images (${m.split.fingerprint}) |
${source}
| seed | ${m.seed} |
| measured on | tfjs ${m.backend} backend |

## Architecture (vit-arch/v1 in \`arch.json\`)

Stem: ${arch.stem.convs.length} conv(s), patch ${arch.stem.patch.kernel}/${arch.stem.patch.stride}; position
\`${arch.position}\`; class token ${arch.classToken ? "yes" : "no (mean of tokens)"}.

| stage | width | head dim | reduction | blocks | blocks (heads/MLP attention) |
|---|---|---|---|---|---|
${stages.join("\n")}

Counted: ${count.macs.toLocaleString("en-US")} MACs, ${count.params.toLocaleString("en-US")} parameters.

## Weights and limits

${limits}

## Use

\`\`\`sh
nas eval <this directory> --dataset <job.json or dataset.json>   # accuracy on that dataset's validation split
nas predict <this directory> image.png                         # top-5 classes
\`\`\`

In code: \`StandaloneModel.load(dir)\` from \`@vitnas/supernet\`; inputs are NHWC images scaled to [0, 1] and
normalised with \`preprocessing.json\` (per-channel mean ${fmt(p.normalization.mean)}, std ${fmt(p.normalization.std)}).

${onnxSection(p)}`;
}

/**
 * How to get and run the model as ONNX. Bundles hold the tfjs weights only; the ONNX file is converted on request
 * (docs/export.md), so the card says how to get it, then how to feed it: NCHW float32 \`images\`, pixels / 255,
 * then (x - mean) / std per channel, the numbers from this bundle's preprocessing.json.
 */
function onnxSection(p: Preprocessing): string {
  const s = p.imageSize;
  const c = p.channels;
  const mean = `[${p.normalization.mean.join(", ")}]`;
  const std = `[${p.normalization.std.join(", ")}]`;
  return `## ONNX

Convert this directory to ONNX (opset 17), or download it from the API:

\`\`\`sh
nas export <this directory> --format onnx --out model.onnx
curl -H "Authorization: Bearer $KEY" -o model.onnx "$API/v1/searches/<search>/architectures/<id>/download?format=onnx"
\`\`\`

Input \`images\`: float32 \`[batch, ${c}, ${s}, ${s}]\` (NCHW): ${c === 1 ? "gray" : "RGB"} pixels resized to ${s}x${s}
(shorter side to ${s}, centre crop), divided by 255, then \`(x - mean) / std\` per channel with mean ${mean} and std
${std}. Output \`logits\`: \`[batch, ${p.classNames.length}]\`, in the order of \`classNames\` in \`preprocessing.json\`.

ONNX Runtime in Node (\`npm install onnxruntime-node\`); \`pixels\` holds ${s}x${s}x${c} bytes, row by row:

\`\`\`js
import * as ort from "onnxruntime-node";
const mean = ${mean}, std = ${std}, S = ${s}, C = ${c};
const input = new Float32Array(C * S * S);
for (let ch = 0; ch < C; ch++)
  for (let i = 0; i < S * S; i++) input[ch * S * S + i] = (pixels[i * C + ch] / 255 - mean[ch]) / std[ch];
const session = await ort.InferenceSession.create("model.onnx");
const { logits } = await session.run({ images: new ort.Tensor("float32", input, [1, C, S, S]) });
console.log(Array.from(logits.data));
\`\`\`

ONNX Runtime in Python (\`pip install onnxruntime numpy\`); \`pixels\` is a uint8 array \`[${s}, ${s}, ${c}]\`:

\`\`\`python
import numpy as np, onnxruntime as ort
mean, std = np.array(${mean}, np.float32), np.array(${std}, np.float32)
x = ((pixels.reshape(${s}, ${s}, ${c}) / 255.0 - mean) / std).astype(np.float32).transpose(2, 0, 1)[None]
session = ort.InferenceSession("model.onnx")
logits = session.run(["logits"], {"images": x})[0]
\`\`\`
`;
}

const fmt = (xs: number[]) => `[${xs.map((x) => x.toFixed(4)).join(", ")}]`;
