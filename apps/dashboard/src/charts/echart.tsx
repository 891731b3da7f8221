// One ECharts canvas bound to a React element: the option is applied on change, the chart follows its box's size,
// and events reach the caller. Only the chart types the dashboard draws are registered, to keep the bundle small.
import { LineChart, ScatterChart } from "echarts/charts";
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  MarkPointComponent,
  TooltipComponent,
  VisualMapComponent,
} from "echarts/components";
import { type EChartsCoreOption, type ECharts as EChartsInstance, init, use } from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { useEffect, useRef } from "react";

use([
  ScatterChart,
  LineChart,
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
  testId?: string;
}

export function EChart({ option, label, height = 360, replace = false, onClick, testId }: EChartProps) {
  const boxRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<EChartsInstance | null>(null);
  const clickRef = useRef(onClick);
  clickRef.current = onClick;

  useEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const chart = init(box, undefined, { renderer: "canvas" });
    chartRef.current = chart;
    chart.on("click", (params) => clickRef.current?.(params as never));
    const observer = new ResizeObserver(() => chart.resize());
    observer.observe(box);
    return () => {
      observer.disconnect();
      chart.dispose();
      chartRef.current = null;
    };
  }, []);

  useEffect(() => {
    chartRef.current?.setOption(option, { notMerge: replace, lazyUpdate: true });
  }, [option, replace]);

  return <div ref={boxRef} className="chart" style={{ height }} role="img" aria-label={label} data-testid={testId} />;
}
