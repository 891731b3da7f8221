// Two or more of the team's searches side by side: their fronts overlaid and their hypervolumes, current and per
// generation, all against one reference point so the figures compare. The selection lives in the URL
// (/searches/compare?ids=a,b), so a comparison can be bookmarked and shared.
import { useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { answer, api } from "../api/client";
import { useApi } from "../api/queries";
import type { Search } from "../api/schema";
import { FrontOverlay, SEARCH_COLOURS } from "../charts/front-overlay";
import { HypervolumeHistory } from "../charts/hypervolume-history";
import { StatusBadge } from "../components/status";
import { formatAccuracy, formatMacs, formatWhen } from "../format";

export const MAX_COMPARED = 8;

/** The ids in the URL, in order, without repeats or blanks. */
export function comparedIds(value: string | null): string[] {
  return [...new Set((value ?? "").split(",").map((id) => id.trim()))].filter(Boolean);
}

export function CompareSearchesPage() {
  const [params, setParams] = useSearchParams();
  // The choice shows at once: the router applies a URL change as a transition, and a checkbox bound to the URL alone
  // would show its old state until the transition commits. The URL still rules: back, forward and a pasted link
  // replace the choice.
  const urlIds = params.get("ids") ?? "";
  const [seen, setSeen] = useState(urlIds);
  const [ids, setIds] = useState(() => comparedIds(urlIds));
  if (urlIds !== seen) {
    setSeen(urlIds);
    setIds(comparedIds(urlIds));
  }
  const list = useApi(
    ["searches", "", undefined, 100],
    async (signal) => (await answer(api.GET("/v1/searches/", { params: { query: { limit: 100 } }, signal }))).items,
  );
  const enough = ids.length >= 2 && ids.length <= MAX_COMPARED;
  const comparison = useApi(enough ? ["compare", ids] : null, (signal) =>
    answer(api.GET("/v1/searches/compare", { params: { query: { ids: ids.join(",") } }, signal })),
  );
  const toggle = (id: string) => {
    const next = ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id];
    setIds(next);
    setParams(next.length ? { ids: next.join(",") } : {});
  };
  const data = enough ? comparison.data : undefined;
  const history = useMemo(() => (data?.searches ?? []).map((s) => ({ name: s.name, points: s.generations })), [data]);

  return (
    <section>
      <h1>Compare searches</h1>
      <fieldset className="search-picker">
        <legend>Searches to compare (2 to {MAX_COMPARED})</legend>
        {list.error && (
          <p className="field-error" role="alert">
            {list.error.message}
          </p>
        )}
        {list.data && list.data.length === 0 && <p className="empty">The team has no searches yet.</p>}
        <ul>
          {list.data?.map((s) => (
            <PickerItem
              key={s.id}
              search={s}
              checked={ids.includes(s.id)}
              disabled={!ids.includes(s.id) && ids.length >= MAX_COMPARED}
              onToggle={() => toggle(s.id)}
            />
          ))}
        </ul>
      </fieldset>

      {!enough && (
        <p className="muted" data-testid="compare-hint">
          {ids.length > MAX_COMPARED
            ? `Choose at most ${MAX_COMPARED} searches.`
            : "Choose two or more searches to overlay their fronts."}
        </p>
      )}
      {enough && comparison.error && (
        <p className="field-error" role="alert">
          {comparison.error.status === 404
            ? `${comparison.error.message}: it is not one of your team's searches.`
            : comparison.error.message}
        </p>
      )}
      {data && (
        <>
          <section aria-labelledby="overlay-title" className="panel">
            <h2 id="overlay-title">Fronts</h2>
            <p className="muted">
              Hypervolume is measured against one reference point for all of them: accuracy 0 and{" "}
              {formatMacs(data.referenceMacs)} MACs, the largest of their MACs limits (or of their spaces' largest
              architectures). Higher is better; 1 would be 100% accuracy at no cost.
            </p>
            <FrontOverlay searches={data.searches} />
            <div className="table-scroll">
              <table data-testid="compare-table">
                <thead>
                  <tr>
                    <th scope="col">Search</th>
                    <th scope="col">Status</th>
                    <th scope="col">Candidates</th>
                    <th scope="col">Front points</th>
                    <th scope="col">Best accuracy</th>
                    <th scope="col">Hypervolume</th>
                  </tr>
                </thead>
                <tbody>
                  {data.searches.map((s) => (
                    <tr key={s.id} data-search-id={s.id}>
                      <th scope="row">
                        <Link to={`/searches/${s.id}`}>{s.name}</Link>
                      </th>
                      <td>
                        <StatusBadge status={s.status} />
                      </td>
                      <td>{s.total}</td>
                      <td>{s.front.length}</td>
                      <td>{s.front.length ? formatAccuracy(Math.max(...s.front.map((p) => p.accuracy))) : "—"}</td>
                      <td data-testid="hypervolume">{s.hypervolume.toFixed(4)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
          <section aria-labelledby="compare-hv-title" className="panel">
            <h2 id="compare-hv-title">Hypervolume per generation</h2>
            {history.some((h) => h.points.length > 0) ? (
              <HypervolumeHistory series={history} colours={SEARCH_COLOURS} testId="compare-hypervolume" />
            ) : (
              <p className="empty">None of these searches has finished a generation yet.</p>
            )}
          </section>
        </>
      )}
    </section>
  );
}

function PickerItem({
  search,
  checked,
  disabled,
  onToggle,
}: {
  search: Search;
  checked: boolean;
  disabled: boolean;
  onToggle(): void;
}) {
  const inputId = `compare-${search.id}`;
  return (
    <li>
      <input id={inputId} type="checkbox" checked={checked} disabled={disabled} onChange={onToggle} />
      <label htmlFor={inputId}>
        {search.name} <StatusBadge status={search.status} />{" "}
        <span className="muted">{formatWhen(search.createdAt)}</span>
      </label>
    </li>
  );
}
