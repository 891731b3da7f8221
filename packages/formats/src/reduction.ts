// Reductions between stages: which of them halve the token grid. One predicate, so the counter, validation, the
// search-space operations, the super-network and the exporter agree on the grids (docs/model-conventions.md).
import type { ReductionKind } from "./types";

/** Whether a reduction halves the token grid's rows and columns: `residual` and its skip-less `conv` do. */
export const halvesGrid = (reduction: ReductionKind): boolean => reduction === "residual" || reduction === "conv";

/** Whether a reduction adds the pooled, zero-padded skip to its conv path (`conv` is the path alone). */
export const hasSkip = (reduction: ReductionKind): boolean => reduction === "residual";
