// Every evaluated candidate, accuracy against MACs, with the front drawn over them and the best architecture under
// the MACs budget marked. The API downsamples the non-front points (/scatter?maxPoints=), and ECharts' `large` mode
// draws them in one canvas pass, so 100,000 candidates stay interactive.
import { useMemo } from "react";
import type { Point, Scatter } from "../api/types";
import { formatAccuracy, formatCount, formatMacs } from "../format";
import { EChart } from "./echart";
import { accuracyAxis, macsAxis } from "./macs-accuracy-axes";

type Row = [macs: number, accuracyPercent: number, params: number, id: string];
const row = (p: Point): Row => [p.macs, p.accuracy * 100, p.params ?? Number.NaN, p.id];

export interface CandidateScatterProps {
  scatter: Scatter;
  budget?: number;
  best?: Point;
  onPick?: (id: string) => void;
}

export function CandidateScatter({ scatter, budget, best, onPick }: CandidateScatterProps) {
  const option = useMemo(() => {
    const front = [...scatter.front].sort((a, b) => a.macs - b.macs).map(row);
    return {
      animation: false,
      grid: { left: 64, right: 24, top: 40, bottom: 80 },
      legend: { top: 0, data: ["Evaluated", "Front", "Best under budget"] },
      tooltip: {
        trigger: "item",
        formatter: (params: { seriesName: string; data: Row }) => {
          const [macs, accuracy, params_, id] = params.data;
          const lines = [
            `<strong>${params.seriesName}</strong>`,
            `accuracy ${formatAccuracy(accuracy / 100)}`,
            `MACs ${formatMacs(macs)}`,
          ];
          if (Number.isFinite(params_)) lines.push(`params ${formatCount(params_)}`);
          lines.push(`<code>${String(id).slice(0, 12)}</code>`);
          return lines.join("<br/>");
        },
      },
      xAxis: macsAxis,
      yAxis: accuracyAxis,
      dataZoom: [
        { type: "inside", xAxisIndex: 0, filterMode: "none" },
        { type: "inside", yAxisIndex: 0, filterMode: "none" },
        { type: "slider", xAxisIndex: 0, filterMode: "none", bottom: 8, height: 20 },
      ],
      series: [
        {
          name: "Evaluated",
          type: "scatter",
          large: true,
          largeThreshold: 2000,
          // Big dots while they are few; small, translucent ones when they are many and overlap.
          symbolSize: scatter.others.length > 2000 ? 4 : 8,
          itemStyle: { color: scatter.others.length > 2000 ? "rgba(71, 105, 158, 0.45)" : "rgba(71, 105, 158, 0.8)" },
          data: scatter.others.map(row),
          z: 1,
        },
        {
          name: "Front",
          type: "line",
          step: "end",
          symbol: "circle",
          symbolSize: 9,
          lineStyle: { width: 2, color: "#c2410c" },
          itemStyle: { color: "#c2410c" },
          data: front,
          z: 3,
          markLine:
            budget === undefined
              ? undefined
              : {
                  silent: true,
                  symbol: "none",
                  label: { formatter: `budget ${formatMacs(budget)}`, position: "insideEndTop" },
                  lineStyle: { color: "#334155", type: "dashed" },
                  data: [{ xAxis: budget }],
                },
        },
        {
          name: "Best under budget",
          type: "scatter",
          symbol: "diamond",
          symbolSize: 18,
          itemStyle: { color: "#15803d", borderColor: "#fff", borderWidth: 2 },
          data: best ? [row(best)] : [],
          z: 4,
        },
      ],
    };
  }, [scatter, budget, best]);

  return (
    <EChart
      option={option}
      height={420}
      testId="candidate-scatter"
      label={`Scatter of ${scatter.total} evaluated candidates, accuracy against MACs, with ${scatter.front.length} front points highlighted`}
      onClick={(p) => {
        const id = Array.isArray(p.data) ? (p.data as Row)[3] : undefined;
        if (id && onPick) onPick(id);
      }}
    />
  );
}
