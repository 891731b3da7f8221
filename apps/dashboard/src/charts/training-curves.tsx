// Super-network training over time: the loss (left axis) and throughput in images per second (right axis).
import { useMemo } from "react";
import type { MetricSample } from "../api/types";
import { EChart } from "./echart";

export function TrainingCurves({ samples }: { samples: MetricSample[] }) {
  const option = useMemo(
    () => ({
      animation: false,
      grid: { left: 56, right: 64, top: 40, bottom: 40 },
      legend: { top: 0 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "time", name: "time", nameLocation: "middle", nameGap: 26 },
      yAxis: [
        { type: "value", name: "loss", scale: true },
        { type: "value", name: "images/s", scale: true, splitLine: { show: false } },
      ],
      dataZoom: [{ type: "inside", xAxisIndex: 0 }],
      series: [
        {
          name: "training loss",
          type: "line",
          showSymbol: false,
          sampling: "lttb",
          itemStyle: { color: "#b91c1c" },
          data: samples.filter((s) => s.loss !== undefined).map((s) => [s.at, s.loss]),
        },
        {
          name: "images/s",
          type: "line",
          yAxisIndex: 1,
          showSymbol: false,
          sampling: "lttb",
          itemStyle: { color: "#1d4ed8" },
          data: samples.filter((s) => s.imagesPerSec !== undefined).map((s) => [s.at, s.imagesPerSec]),
        },
      ],
    }),
    [samples],
  );
  return (
    <EChart
      option={option}
      height={280}
      replace
      testId="training-curves"
      label="Training loss and images per second over time"
    />
  );
}
