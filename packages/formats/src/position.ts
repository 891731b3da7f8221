// Position kinds: which rotate q and k, and what head dimension each needs (docs/model-conventions.md).
import type { PositionKind } from "./types";

/** Rotary positions rotate q and k, so only blocks with q/k/v read them. */
export const isRotary = (position: PositionKind): boolean => position === "rope" || position === "rope1d";

/**
 * The multiple a head dimension must be of: 2-D rope turns half of a head's channel pairs by the row and half by
 * the column (4); 1-D rope turns every pair by the place in the raster order (2).
 */
export const rotaryMultiple = (position: PositionKind): number =>
  position === "rope" ? 4 : position === "rope1d" ? 2 : 1;
