// The front after each generation, oldest faint and newest bold, to show how the search moved it.
import { useMemo } from "react";
import type { FrontStep } from "../api/schema";
import { formatAccuracy, formatMacs } from "../format";
import { EChart } from "./echart";
import { accuracyAxis, macsAxis } from "./macs-accuracy-axes";

export function FrontHistory({ steps }: { steps: FrontStep[] }) {
  const option = useMemo(() => {
    const last = steps.length - 1;
    return {
      animation: false,
      grid: { left: 64, right: 24, top: 48, bottom: 48 },
      legend: { top: 0, type: "scroll" },
      tooltip: {
        trigger: "item",
        formatter: (p: { seriesName: string; data: [number, number] }) =>
          `${p.seriesName}<br/>accuracy ${formatAccuracy(p.data[1] / 100)}<br/>MACs ${formatMacs(p.data[0])}`,
      },
      xAxis: macsAxis,
      yAxis: accuracyAxis,
      dataZoom: [{ type: "inside", xAxisIndex: 0, filterMode: "none" }],
      series: steps.map((step, i) => {
        // Light blue to deep blue: later generations are darker and drawn on top.
        const t = last > 0 ? i / last : 1;
        const color = `hsl(218, ${40 + 40 * t}%, ${78 - 48 * t}%)`;
        return {
          name: `generation ${step.generation}${step.hypervolume == null ? "" : ` (HV ${step.hypervolume.toPrecision(3)})`}`,
          type: "line",
          step: "end",
          symbolSize: i === last ? 7 : 4,
          lineStyle: { width: i === last ? 3 : 1.5, color },
          itemStyle: { color },
          z: 1 + i,
          data: [...step.points].sort((a, b) => a.macs - b.macs).map((p) => [p.macs, p.accuracy * 100]),
        };
      }),
    };
  }, [steps]);
  return (
    <EChart
      option={option}
      replace
      height={340}
      testId="front-history"
      label={`The front after each of ${steps.length} generations`}
    />
  );
}
