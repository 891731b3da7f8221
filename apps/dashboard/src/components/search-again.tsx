// "Search again with another MACs budget": the finished search's job submitted again with `supernet.from` naming this
// search and another `search.constraints.macs.max`, so the new search skips super-network training and goes straight
// to the evolution on the weights this one trained (docs/supernet-reuse.md).
import { type FormEvent, useEffect, useId, useState } from "react";
import { useNavigate } from "react-router";
import { ApiError, answer, api } from "../api/client";
import type { SubmittedJob } from "../api/schema";
import { formatMacs } from "../format";

type Job = Record<string, unknown> & {
  name?: string;
  supernet?: Record<string, unknown>;
  search?: Record<string, unknown>;
};

/** The job of `searchId`, to search on its super-network under `maxMacs`. */
export function jobWithBudget(job: Job, searchId: string, name: string, maxMacs: number): Job {
  const { reuse: _reuse, ...supernet } = job.supernet ?? {};
  const search = job.search ?? {};
  const constraints = (search.constraints ?? {}) as Record<string, unknown>;
  const macs = (constraints.macs ?? {}) as Record<string, unknown>;
  return {
    ...job,
    name: `${name} under ${formatMacs(maxMacs)} MACs`.slice(0, 200),
    supernet: { ...supernet, from: searchId },
    search: { ...search, constraints: { ...constraints, macs: { ...macs, max: maxMacs } } },
  };
}

export function SearchAgain({ searchId, name, budget }: { searchId: string; name: string; budget?: number }) {
  const id = useId();
  const navigate = useNavigate();
  const [millions, setMillions] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // The budget picked on the slider above is the starting point.
  useEffect(() => {
    if (budget !== undefined) setMillions(String(Math.round(budget / 1e4) / 100));
  }, [budget]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const maxMacs = Math.round(Number(millions) * 1e6);
    if (!Number.isFinite(maxMacs) || maxMacs <= 0) {
      setError("The MACs budget must be a positive number of millions.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const search = await answer(api.GET("/v1/searches/{id}", { params: { path: { id: searchId } } }));
      const job = jobWithBudget(search.job as Job, searchId, name, maxMacs);
      const created = await answer(api.POST("/v1/searches/", { body: job as SubmittedJob }));
      navigate(`/searches/${created.id}`);
    } catch (cause) {
      setError(cause instanceof ApiError ? cause.message : String(cause));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="search-again" onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Search again with another MACs budget</h3>
      <p className="muted">
        A new search on this search's trained super-network: no training, straight to the evolution under the budget.
      </p>
      <label htmlFor={`${id}-budget`}>MACs budget (millions)</label>{" "}
      <input
        id={`${id}-budget`}
        type="number"
        min="0"
        step="any"
        inputMode="decimal"
        value={millions}
        onChange={(e) => setMillions(e.target.value)}
        required
      />{" "}
      <button type="submit" disabled={busy}>
        Search again
      </button>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
