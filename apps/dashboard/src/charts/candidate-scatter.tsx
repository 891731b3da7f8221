// Every evaluated candidate, accuracy against MACs, with the front drawn over them and the best architecture under
// the MACs budget marked. The API downsamples the non-front points (/scatter?maxPoints=), and ECharts' `large` mode
// draws them in one canvas pass, so 100,000 candidates stay interactive. The chart is a keyboard stop: arrow keys
// walk the front, Page Up / Page Down every plotted candidate by MACs, Enter opens the one in focus; a ring and the
// tooltip mark it, and a live region reads it out. When the final phase trained front architectures alone, their
// test accuracy is a triangle above (or below) their inherited accuracy, and the job's baselines, trained the same
// way, are labelled squares at their test accuracy: what the front is judged against.
import type { ECharts } from "echarts/core";
import { type KeyboardEvent, useEffect, useMemo, useRef, useState } from "react";
import type { Baseline, ParetoPoint, Point, Scatter } from "../api/schema";
import { formatAccuracy, formatCount, formatMacs } from "../format";
import { EChart } from "./echart";
import { accuracyAxis, macsAxis } from "./macs-accuracy-axes";

type Row = [macs: number, accuracyPercent: number, params: number, id: string];
const row = (p: Point): Row => [p.macs, p.accuracy * 100, p.params ?? Number.NaN, p.id];

export interface CandidateScatterProps {
  scatter: Scatter;
  budget?: number;
  best?: Point;
  /** Front architectures with the test accuracy the final phase measured (the others are ignored). */
  trained?: ParetoPoint[];
  baselines?: Baseline[];
  onPick?: (id: string) => void;
}

const TRAINED_SERIES = "Trained alone (test accuracy)";
const BASELINE_SERIES = "Baselines (test accuracy)";
/** Points that are not candidates of the search: nothing to open. */
const NOT_CANDIDATES = new Set([BASELINE_SERIES]);

const FOCUS_SERIES = "keyboard-focus";

/** Where the keyboard focus is: a front point (by MACs) or any plotted candidate (by MACs). */
type Focus = { list: "front" | "all"; index: number } | null;

export function CandidateScatter({
  scatter,
  budget,
  best,
  trained = [],
  baselines = [],
  onPick,
}: CandidateScatterProps) {
  const testAccuracy = useMemo(
    () => new Map(trained.flatMap((p) => (p.testAccuracy == null ? [] : [[p.id, p.testAccuracy] as const]))),
    [trained],
  );
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
      legend: {
        top: 0,
        data: [
          "Evaluated",
          "Front",
          ...(testAccuracy.size ? [TRAINED_SERIES] : []),
          ...(baselines.length ? [BASELINE_SERIES] : []),
          "Best under budget",
        ],
      },
      tooltip: {
        trigger: "item",
        formatter: (params: { seriesName: string; data: Row }) => {
          const [macs, accuracy, params_, id] = params.data;
          const tested = params.seriesName === TRAINED_SERIES || params.seriesName === BASELINE_SERIES;
          const lines = [
            `<strong>${params.seriesName === BASELINE_SERIES ? `baseline ${escapeHtml(id)}` : params.seriesName}</strong>`,
            `${tested ? "test accuracy" : "accuracy"} ${formatAccuracy(accuracy / 100)}`,
          ];
          const test = testAccuracy.get(id);
          if (!tested && test !== undefined) lines.push(`trained alone: test accuracy ${formatAccuracy(test)}`);
          lines.push(`MACs ${formatMacs(macs)}`);
          if (Number.isFinite(params_)) lines.push(`params ${formatCount(params_)}`);
          if (params.seriesName !== BASELINE_SERIES) lines.push(`<code>${String(id).slice(0, 12)}</code>`);
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
          name: TRAINED_SERIES,
          type: "scatter",
          symbol: "triangle",
          symbolSize: 14,
          itemStyle: { color: "#7c3aed", borderColor: "#fff", borderWidth: 1 },
          data: front.flatMap((r) => {
            const test = testAccuracy.get(r[3]);
            return test === undefined ? [] : [[r[0], test * 100, r[2], r[3]] as Row];
          }),
          z: 4,
        },
        {
          name: BASELINE_SERIES,
          type: "scatter",
          symbol: "rect",
          symbolSize: 12,
          itemStyle: { color: "#0f766e", borderColor: "#fff", borderWidth: 1 },
          label: { show: true, position: "top", color: "#134e4a", formatter: (p: { data: Row }) => p.data[3] },
          data: baselines.map((b): Row => [b.macs, b.testAccuracy * 100, b.params, b.name]),
          z: 4,
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
  }, [scatter, budget, best, testAccuracy, baselines]);

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

  const focusedTest = focused ? testAccuracy.get(focused.id) : undefined;
  const announcement = focused
    ? `${focus?.list === "front" ? `Front point ${focus.index + 1} of ${front.length}` : `Candidate ${(focus?.index ?? 0) + 1} of ${all.length} shown${frontIds.has(focused.id) ? ", on the front" : ""}`}: accuracy ${formatAccuracy(focused.accuracy)}${focusedTest === undefined ? "" : `, trained alone ${formatAccuracy(focusedTest)} on the test split`}, ${formatMacs(focused.macs)} MACs${focused.params === undefined ? "" : `, ${formatCount(focused.params)} params`}. Enter opens it.`
    : "";
  const marks = [
    testAccuracy.size === 1
      ? "1 front architecture trained alone marked with a triangle at its test accuracy"
      : testAccuracy.size > 1
        ? `${testAccuracy.size} front architectures trained alone marked with triangles at their test accuracy`
        : "",
    baselines.length === 1
      ? "1 baseline marked with a labelled square at its test accuracy"
      : baselines.length > 1
        ? `${baselines.length} baselines marked with labelled squares at their test accuracy`
        : "",
  ].filter(Boolean);

  return (
    <>
      <EChart
        option={option}
        height={420}
        testId="candidate-scatter"
        label={`Scatter of ${scatter.total} evaluated candidates, accuracy against MACs, with ${scatter.front.length} front points highlighted${marks.length ? `; ${marks.join("; ")}` : ""}. Left and right arrows move along the front, Page Up and Page Down through every plotted candidate by MACs, Enter opens the architecture in focus.`}
        onChart={(chart) => {
          chartRef.current = chart;
        }}
        onKeyDown={onKeyDown}
        onClick={(p) => {
          if (p.seriesName && NOT_CANDIDATES.has(p.seriesName)) return;
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

/** A baseline's name is the submitter's text, and the tooltip is HTML. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
