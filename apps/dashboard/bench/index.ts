// How the candidate charts' library copes with a big search: time to draw 100,000 candidates in real Chromium with
// ECharts' `large` canvas mode against its ordinary per-point mode, and the 20,000-point sample the search page asks
// /scatter for; and parallel coordinates (14 axes, as a two-stage space gives) of the 5,000-line sample the page
// asks /parallel for against all 100,000 lines. Figures are medians of a few draws measured side by side in one
// browser.
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import type { BenchSection } from "../../../bench/run";
import { launchChromium } from "../test/chromium";

const require = createRequire(import.meta.url);
const ECHARTS = require.resolve("echarts/dist/echarts.min.js");

interface Draw {
  points: number;
  large: boolean;
}

// Plain JavaScript run in the page. A string, not a function: the TypeScript loader would add helper calls to a
// function's source that do not exist in the browser.
const DRAW = `({ points, large }) => {
  const box = document.getElementById("chart");
  echarts.getInstanceByDom(box)?.dispose();
  const chart = echarts.init(box, undefined, { renderer: "canvas" });
  let seed = 7;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const data = [];
  for (let i = 0; i < points; i++) {
    const macs = 1e6 + random() * 9e6;
    data.push([macs, 30 + 60 * random() * Math.log10(macs / 1e5)]);
  }
  const start = performance.now();
  chart.setOption({
    animation: false,
    xAxis: { type: "value", scale: true },
    yAxis: { type: "value", scale: true },
    // progressive: 0 draws every point in this frame; otherwise the per-point mode spreads over later frames.
    series: [{ type: "scatter", large, largeThreshold: 2000, progressive: 0, symbolSize: 5, data }],
  });
  // getDataURL forces the canvas to be painted, so the time covers layout and drawing, not only the option.
  chart.getDataURL();
  return performance.now() - start;
}`;

// Lines over 14 axes, drawn in one frame (progressive: 0) so the time covers them all.
const DRAW_PARALLEL = `({ lines }) => {
  const box = document.getElementById("chart");
  echarts.getInstanceByDom(box)?.dispose();
  const chart = echarts.init(box, undefined, { renderer: "canvas" });
  let seed = 11;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const axes = 14;
  const data = [];
  for (let i = 0; i < lines; i++) {
    const row = [];
    for (let a = 0; a < axes; a++) row.push(Math.floor(random() * 4));
    data.push(row);
  }
  const start = performance.now();
  chart.setOption({
    animation: false,
    parallelAxis: Array.from({ length: axes }, (_, dim) => ({ dim, type: "value" })),
    series: [{ type: "parallel", progressive: 0, lineStyle: { width: 1, opacity: 0.3 }, data }],
  });
  chart.getDataURL();
  return performance.now() - start;
}`;

function parallelMs(page: Page, lines: number): Promise<number> {
  return page.evaluate(`(${DRAW_PARALLEL})(${JSON.stringify({ lines })})`) as Promise<number>;
}

function drawMs(page: Page, draw: Draw): Promise<number> {
  return page.evaluate(`(${DRAW})(${JSON.stringify(draw)})`) as Promise<number>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function bench(): Promise<BenchSection> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.setContent('<div id="chart" style="width:1100px;height:420px"></div>');
    await page.addScriptTag({ path: ECHARTS });
    const cases: Record<string, Draw> = {
      large100k: { points: 100_000, large: true },
      plain100k: { points: 100_000, large: false },
      large20k: { points: 20_000, large: true },
    };
    const times: Record<string, number[]> = { large100k: [], plain100k: [], large20k: [] };
    for (let round = 0; round < 3; round++) {
      for (const [name, draw] of Object.entries(cases)) times[name]!.push(await drawMs(page, draw));
    }
    const parallel: Record<string, number[]> = { sample5k: [], all100k: [] };
    for (let round = 0; round < 3; round++) {
      parallel.sample5k!.push(await parallelMs(page, 5000));
      parallel.all100k!.push(await parallelMs(page, 100_000));
    }
    const ms = Object.fromEntries(Object.entries({ ...times, ...parallel }).map(([k, v]) => [k, median(v)])) as Record<
      string,
      number
    >;
    return {
      name: "dashboard",
      figures: {
        "scatter 100k points, large mode (ms)": Math.round(ms.large100k!),
        "scatter 100k points, per-point mode (ms)": Math.round(ms.plain100k!),
        "per-point / large mode at 100k (x)": Number((ms.plain100k! / ms.large100k!).toFixed(1)),
        "scatter 20k sample, large mode (ms)": Math.round(ms.large20k!),
        "100k / 20k sample, large mode (x)": Number((ms.large100k! / ms.large20k!).toFixed(1)),
        "parallel coordinates, 5k-line sample (ms)": Math.round(ms.sample5k!),
        "parallel coordinates, all 100k lines (ms)": Math.round(ms.all100k!),
      },
    };
  } finally {
    await browser.close();
  }
}
