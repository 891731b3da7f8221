// Hypervolume after each generation: how much of the (MACs, accuracy) plane the front dominates, so a search that
// has stopped improving shows as a flat line. One series per search, so the comparison page reuses it.
import { useMemo } from "react";
import { EChart } from "./echart";

export interface HypervolumeSeries {
  name: string;
  points: { generation: number; hypervolume: number }[];
}

export function HypervolumeHistory({
  series,
  colours,
  testId = "hypervolume-history",
}: {
  series: HypervolumeSeries[];
  /** One per series, e.g. the colours the same searches have on another chart of the page. */
  colours?: readonly string[];
  testId?: string;
}) {
  const option = useMemo(
    () => ({
      animation: false,
      ...(colours ? { color: [...colours] } : {}),
      grid: { left: 64, right: 24, top: series.length > 1 ? 48 : 24, bottom: 48 },
      ...(series.length > 1 ? { legend: { top: 0, type: "scroll" } } : {}),
      tooltip: {
        trigger: "axis",
        valueFormatter: (v: number) => (Number.isFinite(v) ? v.toFixed(4) : "—"),
      },
      xAxis: { type: "value", name: "generation", nameLocation: "middle", nameGap: 28, minInterval: 1 },
      yAxis: { type: "value", name: "hypervolume", scale: true, axisLabel: { formatter: (v: number) => v.toFixed(3) } },
      series: series.map((s) => ({
        name: s.name,
        type: "line",
        symbolSize: 6,
        data: s.points.map((p) => [p.generation, p.hypervolume]),
      })),
    }),
    [series, colours],
  );
  const last = series.map((s) => {
    const end = s.points.at(-1);
    return end ? `${s.name}: ${end.hypervolume.toFixed(4)} after generation ${end.generation}` : `${s.name}: none yet`;
  });
  return (
    <EChart
      option={option}
      replace
      height={300}
      testId={testId}
      label={`Hypervolume per generation. ${last.join("; ")}`}
    />
  );
}
