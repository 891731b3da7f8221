// The MACs budget slider: the best architecture under the budget comes from one request,
// /candidates?maxMacs=&sort=-accuracy&limit=1, so it is exact even when the scatter shows a sample.
import { useEffect, useId, useRef, useState } from "react";
import { Link } from "react-router";
import { answer, api } from "../api/client";
import type { Candidate } from "../api/schema";
import { formatAccuracy, formatCount, formatMacs } from "../format";

const STEPS = 200;

export interface BudgetPickerProps {
  searchId: string;
  minMacs: number;
  maxMacs: number;
  /** Bumps when new candidates may have arrived. */
  version: number;
  onChange(budget: number, best: Candidate | undefined): void;
}

/** Slider position to MACs on a log scale: budgets spread over orders of magnitude. */
function macsAt(position: number, min: number, max: number): number {
  if (max <= min) return max;
  const lo = Math.log(Math.max(1, min));
  const hi = Math.log(max);
  return Math.round(Math.exp(lo + ((hi - lo) * position) / STEPS));
}

export function BudgetPicker({ searchId, minMacs, maxMacs, version, onChange }: BudgetPickerProps) {
  const id = useId();
  const [position, setPosition] = useState(STEPS);
  const [best, setBest] = useState<Candidate | undefined | null>(null);
  const [error, setError] = useState<string | null>(null);
  const budget = macsAt(position, minMacs, maxMacs);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` asks again when new candidates arrived.
  useEffect(() => {
    const controller = new AbortController();
    // A short pause so dragging the slider sends one request, not one per pixel.
    const timer = setTimeout(() => {
      answer(
        api.GET("/v1/searches/{id}/candidates", {
          params: { path: { id: searchId }, query: { maxMacs: budget, sort: "-accuracy", limit: 1, arch: false } },
          signal: controller.signal,
        }),
      )
        .then((page) => {
          const point = page.items[0];
          setBest(point);
          setError(null);
          onChangeRef.current(budget, point);
        })
        .catch((cause: unknown) => {
          if (!controller.signal.aborted) setError(cause instanceof Error ? cause.message : String(cause));
        });
    }, 150);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [searchId, budget, version]);

  return (
    <div className="budget">
      <label htmlFor={id}>
        MACs budget: <strong>{formatMacs(budget)}</strong>
      </label>
      <input
        id={id}
        type="range"
        min={0}
        max={STEPS}
        step={1}
        value={position}
        onChange={(e) => setPosition(Number(e.target.value))}
        aria-valuetext={`${formatMacs(budget)} MACs`}
      />
      <div className="budget-best" aria-live="polite" data-testid="budget-best" data-budget={budget}>
        {error && <span className="field-error">{error}</span>}
        {best === undefined && !error && <span className="muted">No architecture fits under this budget.</span>}
        {best && (
          <span>
            Best under budget: <strong>{formatAccuracy(best.accuracy)}</strong> at {formatMacs(best.macs)} MACs ,{" "}
            {formatCount(best.params)} params —{" "}
            <Link to={`/searches/${searchId}/architectures/${best.id}`}>open architecture</Link>
          </span>
        )}
      </div>
    </div>
  );
}
