// Every evaluated candidate, accuracy against MACs, with the front drawn over them and the best architecture under
// the MACs budget marked. The API downsamples the non-front points (/scatter?maxPoints=), and ECharts' `large` mode
// draws them in one canvas pass, so 100,000 candidates stay interactive. The chart is a keyboard stop: arrow keys
// walk the front, Page Up / Page Down every plotted candidate by MACs, Enter opens the one in focus; a ring and the
// tooltip mark it, and a live region reads it out.
import type { ECharts } from "echarts/core";
import { type KeyboardEvent, useEffect, useMemo, useRef, useState } from "react";
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

const FOCUS_SERIES = "keyboard-focus";

/** Where the keyboard focus is: a front point (by MACs) or any plotted candidate (by MACs). */
type Focus = { list: "front" | "all"; index: number } | null;

export function CandidateScatter({ scatter, budget, best, onPick }: CandidateScatterProps) {
  const front = useMemo(() => [...scatter.front].sort((a, b) => a.macs - b.macs), [scatter.front]);
  const all = useMemo(
    () => [...scatter.front, ...scatter.others].sort((a, b) => a.macs - b.macs || b.accuracy - a.accuracy),
    [scatter],
  );
  const frontIds = useMemo(() => new Set(front.map((p) => p.id)), [front]);
  const [focus, setFocus] = useState<Focus>(null);
  const chartRef = useRef<ECharts | null>(null);
  const focused = focus ? (focus.list === "front" ? front : all)[focus.index] : undefined;

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const move = (list: "front" | "all", to: (current: number, length: number) => number) => {
      const length = (list === "front" ? front : all).length;
      if (length === 0) return;
      const current = focus?.list === list ? focus.index : -1;
      setFocus({ list, index: Math.max(0, Math.min(length - 1, to(current, length))) });
    };
    switch (event.key) {
      case "ArrowRight":
      case "ArrowUp":
        move("front", (i) => i + 1);
        break;
      case "ArrowLeft":
      case "ArrowDown":
        move("front", (i) => (i < 0 ? 0 : i - 1));
        break;
      case "Home":
        move("front", () => 0);
        break;
      case "End":
        move("front", (_, n) => n - 1);
        break;
      case "PageDown":
        move("all", (i) => i + 1);
        break;
      case "PageUp":
        move("all", (i) => (i < 0 ? 0 : i - 1));
        break;
      case "Enter":
        if (focused && onPick) onPick(focused.id);
        break;
      case "Escape":
        setFocus(null);
        break;
      default:
        return;
    }
    event.preventDefault();
  };

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
          id: FOCUS_SERIES,
          name: "Keyboard focus",
          type: "scatter",
          symbol: "circle",
          symbolSize: 20,
          itemStyle: { color: "transparent", borderColor: "#111827", borderWidth: 3 },
          data: [],
          z: 5,
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

  // The ring and the tooltip follow the focus, also after the option is applied again (the ring's data is not in it).
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new option empties the ring, so it is drawn again.
  useEffect(() => {
    const chart = chartRef.current;
    if (!chart) return;
    chart.setOption({ series: [{ id: FOCUS_SERIES, data: focused ? [row(focused)] : [] }] });
    if (focused) {
      const seriesIndex = (chart.getOption() as { series: { id?: string }[] }).series.findIndex(
        (series) => series.id === FOCUS_SERIES,
      );
      chart.dispatchAction({ type: "showTip", seriesIndex, dataIndex: 0 });
    } else {
      chart.dispatchAction({ type: "hideTip" });
    }
  }, [focused, option]);

  const announcement = focused
    ? `${focus?.list === "front" ? `Front point ${focus.index + 1} of ${front.length}` : `Candidate ${(focus?.index ?? 0) + 1} of ${all.length} shown${frontIds.has(focused.id) ? ", on the front" : ""}`}: accuracy ${formatAccuracy(focused.accuracy)}, ${formatMacs(focused.macs)} MACs${focused.params === undefined ? "" : `, ${formatCount(focused.params)} params`}. Enter opens it.`
    : "";

  return (
    <>
      <EChart
        option={option}
        height={420}
        testId="candidate-scatter"
        label={`Scatter of ${scatter.total} evaluated candidates, accuracy against MACs, with ${scatter.front.length} front points highlighted. Left and right arrows move along the front, Page Up and Page Down through every plotted candidate by MACs, Enter opens the architecture in focus.`}
        onChart={(chart) => {
          chartRef.current = chart;
        }}
        onKeyDown={onKeyDown}
        onClick={(p) => {
          const id = Array.isArray(p.data) ? (p.data as Row)[3] : undefined;
          if (id && onPick) onPick(id);
        }}
      />
      <p className="visually-hidden" aria-live="polite" data-testid="scatter-focus">
        {announcement}
      </p>
    </>
  );
}
