// Several searches' fronts on one accuracy-against-MACs plane, each in its own colour and marker, named with its
// hypervolume on the common scale.
import { useMemo } from "react";
import type { ComparedSearch } from "../api/schema";
import { formatAccuracy, formatMacs } from "../format";
import { EChart } from "./echart";
import { accuracyAxis, macsAxis } from "./macs-accuracy-axes";

// Okabe-Ito: distinguishable with every common colour-vision deficiency; markers differ too.
export const SEARCH_COLOURS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#000000", "#e69f00", "#56b4e9", "#7f3c8d"];
const MARKERS = ["circle", "triangle", "rect", "diamond", "pin", "roundRect", "arrow", "circle"];

export const seriesName = (s: ComparedSearch) => `${s.name} (HV ${s.hypervolume.toFixed(4)})`;

export function FrontOverlay({ searches }: { searches: ComparedSearch[] }) {
  const option = useMemo(
    () => ({
      animation: false,
      color: SEARCH_COLOURS,
      grid: { left: 64, right: 24, top: 48, bottom: 80 },
      legend: { top: 0, type: "scroll" },
      tooltip: {
        trigger: "item",
        formatter: (p: { seriesName: string; data: [number, number, string] }) =>
          `${p.seriesName}<br/>accuracy ${formatAccuracy(p.data[1] / 100)}<br/>MACs ${formatMacs(p.data[0])}<br/><code>${p.data[2].slice(0, 12)}</code>`,
      },
      xAxis: macsAxis,
      yAxis: accuracyAxis,
      dataZoom: [
        { type: "inside", xAxisIndex: 0, filterMode: "none" },
        { type: "slider", xAxisIndex: 0, filterMode: "none", bottom: 8, height: 20 },
      ],
      series: searches.map((s, i) => ({
        name: seriesName(s),
        type: "line",
        step: "end",
        symbol: MARKERS[i % MARKERS.length],
        symbolSize: 8,
        lineStyle: { width: 2 },
        data: [...s.front].sort((a, b) => a.macs - b.macs).map((p) => [p.macs, p.accuracy * 100, p.id]),
      })),
    }),
    [searches],
  );
  return (
    <EChart
      option={option}
      replace
      height={420}
      testId="front-overlay"
      label={`The fronts of ${searches.length} searches, accuracy against MACs: ${searches
        .map((s) => `${s.name}, ${s.front.length} points, hypervolume ${s.hypervolume.toFixed(4)}`)
        .join("; ")}`}
    />
  );
}
