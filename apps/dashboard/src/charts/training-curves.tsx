// Training over time (the super-network's, or the final phase's models one after the other): the loss (left axis) and throughput in images per second (right axis).
import { useMemo } from "react";
import type { MetricSample } from "../api/schema";
import { EChart } from "./echart";

export function TrainingCurves({
  samples,
  testId = "training-curves",
  label = "Training loss and images per second over time",
  overTime = false,
}: {
  samples: MetricSample[];
  testId?: string;
  label?: string;
  /** Time on the x axis even when every sample has a step: several trainings one after the other restart it. */
  overTime?: boolean;
}) {
  const option = useMemo(() => {
    // Training steps when every sample has one: metrics recorded in one batch can share a timestamp.
    const bySteps = !overTime && samples.length > 0 && samples.every((s) => s.step != null);
    const x = (s: MetricSample) => (bySteps ? s.step! : Date.parse(s.at));
    return {
      animation: false,
      grid: { left: 56, right: 64, top: 40, bottom: 40 },
      legend: { top: 0 },
      tooltip: { trigger: "axis" },
      xAxis: bySteps
        ? { type: "value", name: "training step", nameLocation: "middle", nameGap: 26, scale: true }
        : { type: "time", name: "time", nameLocation: "middle", nameGap: 26 },
      yAxis: [
        { type: "value", name: "loss", scale: true },
        { type: "value", name: "images/s", scale: true, splitLine: { show: false } },
      ],
      dataZoom: [{ type: "inside", xAxisIndex: 0 }],
      series: [
        {
          name: "training loss",
          type: "line",
          showSymbol: samples.length < 50,
          sampling: "lttb",
          itemStyle: { color: "#b91c1c" },
          data: samples.filter((s) => s.loss != null).map((s) => [x(s), s.loss]),
        },
        {
          name: "images/s",
          type: "line",
          yAxisIndex: 1,
          showSymbol: samples.length < 50,
          sampling: "lttb",
          itemStyle: { color: "#1d4ed8" },
          data: samples.filter((s) => s.imagesPerSec != null).map((s) => [x(s), s.imagesPerSec]),
        },
      ],
    };
  }, [samples, overTime]);
  return <EChart option={option} height={280} replace testId={testId} label={label} />;
}
