// One ECharts canvas bound to a React element: the option is applied on change, the chart follows its box's size,
// and events reach the caller. Only the chart types the dashboard draws are registered, to keep the bundle small.
import { LineChart, ParallelChart, ScatterChart } from "echarts/charts";
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  MarkPointComponent,
  ParallelComponent,
  TooltipComponent,
  VisualMapComponent,
} from "echarts/components";
import { type EChartsCoreOption, type ECharts as EChartsInstance, init, use } from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { type KeyboardEvent, useEffect, useRef } from "react";

use([
  ScatterChart,
  LineChart,
  ParallelChart,
  ParallelComponent,
  GridComponent,
  TooltipComponent,
  DataZoomComponent,
  LegendComponent,
  MarkLineComponent,
  MarkPointComponent,
  VisualMapComponent,
  CanvasRenderer,
]);

export interface EChartProps {
  option: EChartsCoreOption;
  /** Accessible description of what the chart shows; canvas content is invisible to screen readers. */
  label: string;
  height?: number;
  /** Replace the whole option instead of merging (needed when series come and go). */
  replace?: boolean;
  onClick?: (params: { seriesName?: string; data?: unknown; dataIndex: number }) => void;
  /** Other chart events by name (e.g. parallel coordinates' `axisareaselected`), with the chart that fired them. */
  onEvents?: Record<string, (params: unknown, chart: EChartsInstance) => void>;
  /** Called once the chart exists (and with null when it goes), for callers that drive it (highlight, tooltip). */
  onChart?: (chart: EChartsInstance | null) => void;
  testId?: string;
  /** Makes the chart a keyboard stop with these handlers (its label then names the keys). */
  onKeyDown?: (event: KeyboardEvent<HTMLDivElement>) => void;
}

export function EChart({
  option,
  label,
  height = 360,
  replace = false,
  onClick,
  onEvents,
  onChart,
  testId,
  onKeyDown,
}: EChartProps) {
  const boxRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<EChartsInstance | null>(null);
  const clickRef = useRef(onClick);
  clickRef.current = onClick;
  const eventsRef = useRef(onEvents);
  eventsRef.current = onEvents;
  const chartCallbackRef = useRef(onChart);
  chartCallbackRef.current = onChart;
  // The event names are read once, when the chart is made; their handlers may change on every render.
  const eventNames = useRef(Object.keys(onEvents ?? {}));

  useEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const chart = init(box, undefined, { renderer: "canvas" });
    chartRef.current = chart;
    chart.on("click", (params) => clickRef.current?.(params as never));
    for (const name of eventNames.current)
      chart.on(name, (params: unknown) => eventsRef.current?.[name]?.(params, chart));
    const observer = new ResizeObserver(() => chart.resize());
    observer.observe(box);
    chartCallbackRef.current?.(chart);
    return () => {
      chartCallbackRef.current?.(null);
      observer.disconnect();
      chart.dispose();
      chartRef.current = null;
    };
  }, []);

  useEffect(() => {
    chartRef.current?.setOption(option, { notMerge: replace, lazyUpdate: true });
  }, [option, replace]);

  if (onKeyDown) {
    // A keyboard stop: the caller moves a focus among the chart's items and announces it (the label says how).
    return (
      <div
        ref={boxRef}
        className="chart"
        style={{ height }}
        role="application"
        aria-label={label}
        data-testid={testId}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: an application region takes focus to receive its keys.
        tabIndex={0}
        onKeyDown={onKeyDown}
      />
    );
  }
  return <div ref={boxRef} className="chart" style={{ height }} role="img" aria-label={label} data-testid={testId} />;
}
