// Which super-network blocks a sub-network keeps (docs/seed-settings.md). With depthDrop "last" a depth of d keeps
// places 0..d-1 and draws nothing, so spaces without the option sample exactly as before; otherwise the dropped
// places are drawn uniformly among the droppable ones.
import type { PreparedStage } from "./prepared";
import { type Rng, randomIndex } from "./random";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** The places, in order, that a sub-network of `depth` blocks keeps: all but places - depth droppable ones. */
export function drawPlaces(stage: PreparedStage, depth: number, rng: Rng): number[] {
  const droppable = stage.droppable;
  if (!droppable) return range(depth);
  const pool = [...droppable];
  const count = stage.places - depth;
  // A partial Fisher-Yates shuffle: the first `count` of the pool are a uniform draw without replacement.
  for (let i = 0; i < count; i++) {
    const j = i + randomIndex(rng, pool.length - i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  const dropped = new Set(pool.slice(0, count));
  return range(stage.places).filter((p) => !dropped.has(p));
}
