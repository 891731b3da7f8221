// The facts two architectures are compared on, as short text per row.
import type { VitArch } from "@vitnas/formats";
import { type Architecture, vitArch } from "../api/schema";
import { formatAccuracy, formatCount, formatMacs } from "../format";

export interface SummaryRow {
  label: string;
  value: string;
}

function attentionMix(arch: VitArch): string {
  const counts = new Map<string, number>();
  for (const block of arch.stages.flatMap((s) => s.blocks)) {
    counts.set(block.attention.type, (counts.get(block.attention.type) ?? 0) + 1);
  }
  return [...counts.entries()].map(([type, n]) => `${n}× ${type}`).join(", ");
}

export function summarise(detail: Architecture): SummaryRow[] {
  const { metrics } = detail;
  const arch = vitArch(detail);
  return [
    { label: "Accuracy", value: formatAccuracy(metrics.accuracy) },
    {
      label: "Test accuracy, trained alone",
      value: metrics.testAccuracy == null ? "—" : formatAccuracy(metrics.testAccuracy),
    },
    { label: "MACs", value: formatMacs(metrics.macs) },
    { label: "Parameters", value: metrics.params === undefined ? "—" : formatCount(metrics.params) },
    { label: "Stages", value: String(arch.stages.length) },
    { label: "Blocks per stage", value: arch.stages.map((s) => s.blocks.length).join(" / ") },
    { label: "Widths", value: arch.stages.map((s) => s.width).join(" / ") },
    {
      label: "Reductions",
      value:
        arch.stages
          .slice(1)
          .map((s) => s.reduction ?? "none")
          .join(" / ") || "—",
    },
    { label: "Attention", value: attentionMix(arch) },
    { label: "Position", value: arch.position ?? "learned" },
  ];
}
