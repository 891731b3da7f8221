// Every candidate as one line across its choices (per stage: depth, width, heads, MLP size, attention type,
// reduction) to its MACs and accuracy, coloured by accuracy, the front drawn over them in the scatter's orange.
// Dragging along any axis keeps the lines inside the range (several axes narrow together); the most accurate of the
// kept candidates are listed below, with links. The API sends the scatter's sample (every front point, the others
// downsampled), so 100,000 candidates draw as a few thousand lines.
import type { ECharts } from "echarts/core";
import { useCallback, useEffect, useMemo, useState } from "react";
import { Link } from "react-router";
import type { StageOutline } from "../api/schema";
import type { ParallelLine, ParallelView } from "../api/views";
import { formatAccuracy, formatCount, formatMacs } from "../format";
import { EChart } from "./echart";

interface Axis {
  name: string;
  value(row: ParallelLine): number | string;
  /** Category axes list their values; value axes have none. */
  categories?: string[];
  format?: (value: number) => string;
}

const FRONT_COLOUR = "#c2410c";
// Viridis: ordered in lightness, readable by colour-blind people, none of it near the front's orange.
const ACCURACY_COLOURS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"];
const LISTED = 8;

/** The axes the rows vary on: a choice every candidate made alike tells nothing and takes room. */
function axesOf(data: ParallelView): Axis[] {
  const axes: Axis[] = [];
  const stageAxis = (i: number, label: string, pick: (s: StageOutline) => number | string, category = false) => {
    const value = (row: ParallelLine) => {
      const stage = row.stages[i];
      return stage ? pick(stage) : category ? "none" : Number.NaN;
    };
    const seen = new Set(data.lines.map(value));
    if (seen.size < 2) return;
    axes.push({
      name: `S${i + 1} ${label}`,
      value,
      ...(category ? { categories: [...seen].map(String).sort() } : {}),
    });
  };
  for (let i = 0; i < data.stages; i++) {
    stageAxis(i, "depth", (s) => s.depth);
    stageAxis(i, "width", (s) => s.width);
    stageAxis(i, "heads", (s) => s.heads);
    stageAxis(i, "MLP", (s) => s.mlpHidden);
    stageAxis(i, "attention", (s) => s.attention, true);
    if (i > 0) stageAxis(i, "reduction", (s) => s.reduction, true);
  }
  axes.push({ name: "MACs", value: (r) => r.macs, format: formatMacs });
  axes.push({ name: "accuracy (%)", value: (r) => r.accuracy * 100 });
  return axes;
}

export interface CandidateParallelProps {
  searchId: string;
  data: ParallelView;
  onPick?: (id: string) => void;
}

export function CandidateParallel({ searchId, data, onPick }: CandidateParallelProps) {
  const axes = useMemo(() => axesOf(data), [data]);
  const others = useMemo(() => data.lines.filter((r) => !r.onFront), [data]);
  const front = useMemo(() => data.lines.filter((r) => r.onFront), [data]);
  // null: nothing brushed, every line counts.
  const [kept, setKept] = useState<ParallelLine[] | null>(null);
  // New rows replace the chart's option, ranges included: what was kept no longer describes it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: new data is what clears the selection.
  useEffect(() => setKept(null), [data]);

  const option = useMemo(() => {
    const accuracies = data.lines.map((r) => r.accuracy * 100);
    const line = (row: ParallelLine) => axes.map((a) => a.value(row));
    return {
      animation: false,
      parallel: { left: 48, right: 72, top: 56, bottom: 32 },
      parallelAxis: axes.map((a, dim) => ({
        dim,
        name: a.name,
        nameLocation: "end",
        nameGap: 12,
        nameTextStyle: { color: "#1a202c", fontSize: 11 },
        // Redrawn once a range is dropped, not on every pixel of the drag: thousands of lines.
        realtime: false,
        ...(a.categories ? { type: "category", data: a.categories } : { type: "value", scale: true }),
        ...(a.format ? { axisLabel: { formatter: a.format } } : {}),
      })),
      visualMap: {
        type: "continuous",
        seriesIndex: 0,
        dimension: axes.length - 1,
        min: Math.min(...accuracies),
        max: Math.max(...accuracies),
        inRange: { color: ACCURACY_COLOURS },
        orient: "horizontal",
        left: "center",
        top: 0,
        itemHeight: 180,
        itemWidth: 12,
        text: ["higher accuracy", "lower"],
        textStyle: { color: "#1a202c" },
        calculable: false,
      },
      legend: { top: 0, right: 8, data: ["Candidates", "Front"] },
      series: [
        {
          name: "Candidates",
          type: "parallel",
          // For the legend's swatch: the lines themselves take the accuracy scale's colours.
          color: ACCURACY_COLOURS[2],
          lineStyle: { width: 1, opacity: others.length > 1500 ? 0.25 : 0.5 },
          inactiveOpacity: 0.02,
          data: others.map(line),
          z: 1,
        },
        {
          name: "Front",
          type: "parallel",
          lineStyle: { width: 2.5, opacity: 0.95, color: FRONT_COLOUR },
          itemStyle: { color: FRONT_COLOUR },
          inactiveOpacity: 0.05,
          data: front.map(line),
          z: 2,
        },
      ],
    };
  }, [axes, data, others, front]);

  const onSelected = useCallback(
    (_params: unknown, chart: ECharts) => {
      // ECharts reports no rows with the event; each parallel series says which of its lines are inside every range.
      const series = (
        chart as unknown as {
          getModel(): { getSeries(): { getRawIndicesByActiveState(state: string): number[] }[] };
        }
      )
        .getModel()
        .getSeries();
      const active = series.map((s) => s.getRawIndicesByActiveState("active"));
      const inactive = series.map((s) => s.getRawIndicesByActiveState("inactive"));
      if (inactive.every((list) => list.length === 0)) {
        setKept(null);
        return;
      }
      setKept([...(active[0] ?? []).map((i) => others[i]!), ...(active[1] ?? []).map((i) => front[i]!)]);
    },
    [others, front],
  );

  const standsFor = (rows: ParallelLine[]) => rows.reduce((n, r) => n + r.count, 0);
  const best = kept ? [...kept].sort((a, b) => b.accuracy - a.accuracy).slice(0, LISTED) : [];
  return (
    <>
      <EChart
        option={option}
        replace
        height={440}
        testId="candidate-parallel"
        label={`Parallel coordinates of ${data.total} candidates over ${axes.length} axes (${axes.map((a) => a.name).join(", ")}), coloured by accuracy, with the ${front.length} front members in orange`}
        onEvents={{ axisareaselected: onSelected }}
        onClick={(p) => {
          const row = p.seriesName === "Front" ? front[p.dataIndex] : others[p.dataIndex];
          if (row && onPick) onPick(row.id);
        }}
      />
      <div className="parallel-selection" aria-live="polite" data-testid="parallel-selection">
        {kept === null ? (
          <p className="muted">
            Drag along any axis to keep the candidates in a range; drag on several axes to narrow further, click an axis
            outside its range to clear it.
          </p>
        ) : kept.length === 0 ? (
          <p>No candidate lies in every chosen range.</p>
        ) : (
          <>
            <p>
              <strong>{kept.length}</strong> lines kept, standing for <strong>{standsFor(kept)}</strong> of {data.total}{" "}
              candidates ({kept.filter((r) => r.onFront).length} on the front). The most accurate:
            </p>
            <ol className="parallel-best">
              {best.map((r) => (
                <li key={r.id}>
                  <Link to={`/searches/${searchId}/architectures/${r.id}`}>
                    <code>{r.id.slice(0, 10)}</code>
                  </Link>{" "}
                  {formatAccuracy(r.accuracy)} at {formatMacs(r.macs)} MACs , {formatCount(r.params)} params
                  {r.onFront && <span className="tag">front</span>}
                </li>
              ))}
            </ol>
          </>
        )}
      </div>
    </>
  );
}
