// The search's report: `report.md` (what was searched, the front, the trained models, the baselines, and whether a
// trained front architecture beats every baseline at equal or lower MACs) and `pareto.svg` (every candidate, the
// front, the trained test accuracies and the baselines on accuracy against MACs), written into the output
// directory at the end of every search. The chart is rendered by ECharts' server-side SVG renderer, the library
// the dashboard draws with, so the file and the dashboard show the same picture.
import { join } from "node:path";
import type { NasSearch } from "@vitnas/formats";
import type { ShrinkRecord } from "@vitnas/supernet";
import * as echarts from "echarts";
import { writeFileAtomic } from "./atomic-file";
import type { BaselineResult, FinalResult } from "./final-results";
import type { FrontPoint } from "./types";

export interface ReportInput {
  job: NasSearch;
  /** Every evaluated architecture (inherited validation accuracy). */
  candidates: readonly FrontPoint[];
  front: readonly FrontPoint[];
  final: readonly FinalResult[];
  baselines: readonly BaselineResult[];
  backend: string;
  /** The super-network's space shrinking, when it ran: the attention types it scored and kept. */
  shrink?: ShrinkRecord;
}

/** Trained front architectures more accurate on test than every baseline at their MACs or above. */
export function winsOverBaselines(input: Pick<ReportInput, "front" | "final" | "baselines">) {
  const macs = new Map(input.front.map((p) => [p.id, p.macs]));
  return input.final.filter((f) => {
    const m = macs.get(f.id)!;
    const rivals = input.baselines.filter((b) => b.macs >= m);
    return rivals.length > 0 && rivals.every((b) => f.testAccuracy > b.testAccuracy);
  });
}

export function paretoSvg(input: ReportInput, size = { width: 800, height: 500 }): string {
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, ...size });
  const front = [...input.front].sort((a, b) => a.macs - b.macs);
  const macsOf = new Map(input.front.map((p) => [p.id, p.macs]));
  const series: echarts.SeriesOption[] = [
    {
      name: "candidates (inherited, validation)",
      type: "scatter",
      symbolSize: 4,
      itemStyle: { color: "#9aa5b1" },
      data: input.candidates.map((c) => [c.macs, c.accuracy]),
    },
    {
      name: "front (inherited, validation)",
      type: "line",
      step: "end",
      symbolSize: 7,
      itemStyle: { color: "#1f6feb" },
      data: front.map((p) => [p.macs, p.accuracy]),
    },
  ];
  if (input.final.length > 0) {
    series.push({
      name: "trained (test)",
      type: "scatter",
      symbol: "triangle",
      symbolSize: 11,
      itemStyle: { color: "#d1242f" },
      data: input.final.map((f) => [macsOf.get(f.id)!, f.testAccuracy]),
    });
  }
  if (input.baselines.length > 0) {
    series.push({
      name: "baselines (test)",
      type: "scatter",
      symbol: "diamond",
      symbolSize: 11,
      itemStyle: { color: "#24292f" },
      label: { show: true, position: "right", formatter: (p) => input.baselines[p.dataIndex]!.name, fontSize: 10 },
      data: input.baselines.map((b) => [b.macs, b.testAccuracy]),
    });
  }
  chart.setOption({
    animation: false,
    title: { text: `${input.job.name}: accuracy against MACs`, left: "center", textStyle: { fontSize: 14 } },
    legend: { bottom: 0 },
    grid: { left: 60, right: 30, top: 40, bottom: 70 },
    xAxis: { type: "log", name: "MACs", nameLocation: "middle", nameGap: 28, scale: true },
    yAxis: { type: "value", name: "top-1 accuracy", scale: true },
    series,
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

/**
 * The job's name as markdown that shows it literally. The name is the submitter's text and the report is served to
 * browsers and rendered by viewers that pass HTML through: a name must not become markup (`<script>`), a link, an
 * image, emphasis or a line of its own. (The chart needs nothing: ECharts escapes its SVG text.)
 */
function markdownText(text: string): string {
  return text
    .replace(/\s+/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[\\`*_[\]()!|~#]/g, "\\$&");
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const int = (x: number) => x.toLocaleString("en-US");

export function reportMarkdown(input: ReportInput): string {
  const { job } = input;
  const trained = new Map(input.final.map((f) => [f.id, f]));
  const lines = [
    `# ${markdownText(job.name)}`,
    "",
    `${input.candidates.length} architectures evaluated with inherited super-network weights on the validation ` +
      `split (${job.dataset.kind} dataset), ${input.front.length} on the accuracy/MACs front; ` +
      `super-network ${job.supernet.epochs} epochs, evolution ${job.search.generations} generations of ` +
      `${job.search.population}, backend \`${input.backend}\`.`,
    "",
    "![accuracy against MACs](pareto.svg)",
    "",
    "## The front",
    "",
    "| architecture | MACs | parameters | inherited (validation) | trained (test) |",
    "|---|---:|---:|---:|---:|",
    ...[...input.front]
      .sort((a, b) => a.macs - b.macs)
      .map((p) => {
        const f = trained.get(p.id);
        return `| \`${p.id}\` | ${int(p.macs)} | ${int(p.params)} | ${pct(p.accuracy)} | ${f ? pct(f.testAccuracy) : "-"} |`;
      }),
  ];
  if (input.shrink) lines.push("", ...shrinkSection(input.shrink));
  if (input.final.length > 0) {
    const f = input.final[0]!;
    lines.push(
      "",
      `Trained: ${input.final.length} front architectures, ${f.mode === "finetune" ? "fine-tuned from their inherited weights" : "from scratch"} ` +
        `for ${f.epochs} epochs${job.final.trainOnVal ? " on the training and validation images" : ""}, measured on the test split; ` +
        "bundles in `trained/<id>/`.",
    );
  }
  if (input.baselines.length > 0) {
    lines.push(
      "",
      "## Baselines",
      "",
      "| baseline | MACs | parameters | trained (test) |",
      "|---|---:|---:|---:|",
      ...input.baselines.map((b) => `| ${b.name} | ${int(b.macs)} | ${int(b.params)} | ${pct(b.testAccuracy)} |`),
    );
    if (input.final.length > 0) {
      const wins = winsOverBaselines(input);
      lines.push(
        "",
        wins.length > 0
          ? `${wins.length} trained front architecture${wins.length > 1 ? "s are" : " is"} more accurate than every ` +
              `baseline at equal or higher MACs: ${wins.map((w) => `\`${w.id}\` (${pct(w.testAccuracy)})`).join(", ")}.`
          : "No trained front architecture is more accurate than every baseline at equal or higher MACs.",
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Which attention types each stage kept after space shrinking, with the scores that decided it. */
function shrinkSection(record: ShrinkRecord): string[] {
  return [
    "## Attention types kept",
    "",
    `After ${record.epoch} epochs each stage's attention types were scored (inherited validation accuracy of the same ` +
      "sub-networks with every block of the stage of that type) and only the kept ones were trained and searched.",
    "",
    "| stage | type | score | MACs | kept |",
    "|---:|---|---:|---:|---|",
    ...record.stages.flatMap((scores, s) =>
      scores.map(
        (t) =>
          `| ${s + 1} | ${t.type.type} | ${pct(t.accuracy)} | ${int(Math.round(t.macs))} | ${t.kept ? "yes" : "no"} |`,
      ),
    ),
  ];
}

export async function writeReport(outDir: string, input: ReportInput): Promise<void> {
  await writeFileAtomic(join(outDir, "pareto.svg"), paretoSvg(input));
  await writeFileAtomic(join(outDir, "report.md"), reportMarkdown(input));
}
