// The team's searches, newest first, kept live by the API's server-sent events (a changed search is replaced in
// place; a new one, or one leaving the status filter, reloads the page); two or more chosen open the comparison of
// their fronts.
import { useCallback, useEffect, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { answer, api, query } from "../api/client";
import { useApi } from "../api/queries";
import { SEARCH_STATUSES, type Search, type SearchStatus } from "../api/schema";
import { useSearchListEvents } from "../api/search-list-events";
import { progressOf, submitterOf } from "../api/views";
import { ProgressBar, ProgressLine, StatusBadge } from "../components/status";
import { formatWhen } from "../format";

const PAGE_SIZE = 50;

export function SearchesPage() {
  const [params, setParams] = useSearchParams();
  const status = params.get("status") ?? "";
  const [cursor, setCursor] = useState<string | undefined>();
  const list = useApi(["searches", status, cursor], async (signal) => {
    const filter = {
      limit: PAGE_SIZE,
      ...(status ? { status: status as SearchStatus } : {}),
      ...(cursor ? { cursor } : {}),
    };
    const page = await answer(api.GET("/v1/searches/", { params: { query: filter }, signal }));
    return { searches: page.items, nextCursor: page.nextCursor };
  });
  // Newer states of listed searches, from the event stream; a fresh page supersedes them.
  const [updates, setUpdates] = useState<ReadonlyMap<string, Search>>(new Map());
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new page is what empties the updates.
  useEffect(() => setUpdates(new Map()), [list.data]);
  const listed = useRef(list.data);
  listed.current = list.data;
  const reload = list.reload;
  const onSearches = useCallback(
    (changed: Search[]) => {
      const shown = listed.current?.searches;
      if (!shown) return;
      const ids = new Set(shown.map((s) => s.id));
      const newest = shown[0]?.createdAt ?? "";
      const matches = (s: Search) => !status || s.status === status;
      // A search newer than the page's newest belongs at its top (on the first page); a listed one whose status
      // left the filter leaves the page.
      const appears = !cursor && changed.some((s) => !ids.has(s.id) && matches(s) && (s.createdAt ?? "") > newest);
      const leaves = changed.some((s) => ids.has(s.id) && !matches(s));
      if (appears || leaves) {
        reload();
        return;
      }
      const mine = changed.filter((s) => ids.has(s.id));
      if (mine.length) setUpdates((m) => new Map([...m, ...mine.map((s) => [s.id, s] as const)]));
    },
    [status, cursor, reload],
  );
  useSearchListEvents(onSearches);
  const searches = list.data?.searches.map((s) => updates.get(s.id) ?? s);
  const [chosen, setChosen] = useState<string[]>([]);
  const toggle = (id: string) => setChosen((c) => (c.includes(id) ? c.filter((x) => x !== id) : [...c, id]));

  return (
    <section>
      <div className="page-head">
        <h1>Searches</h1>
        <Link className="button" to="/searches/new">
          New search
        </Link>
      </div>
      <div className="toolbar">
        <label htmlFor="status-filter">Status</label>
        <select
          id="status-filter"
          value={status}
          onChange={(e) => {
            setCursor(undefined);
            setParams(e.target.value ? { status: e.target.value } : {});
          }}
        >
          <option value="">all</option>
          {SEARCH_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        {list.error && (
          <p className="field-error" role="alert">
            {list.error.message}
          </p>
        )}
      </div>
      {list.data && list.data.searches.length === 0 && (
        <p className="empty">
          No searches{status ? ` with status ${status}` : ""} yet. <Link to="/searches/new">Start one</Link>.
        </p>
      )}
      {searches && searches.length > 0 && <SearchTable searches={searches} chosen={chosen} onToggle={toggle} />}
      {searches && searches.length > 1 && (
        <p>
          {chosen.length >= 2 ? (
            <Link className="button" to={`/searches/compare${query({ ids: chosen.join(",") })}`}>
              Compare the {chosen.length} chosen
            </Link>
          ) : (
            <span className="muted">Choose two or more searches to compare their fronts.</span>
          )}
        </p>
      )}
      <div className="pager">
        {cursor && (
          <button type="button" className="quiet" onClick={() => setCursor(undefined)}>
            First page
          </button>
        )}
        {list.data?.nextCursor && (
          <button type="button" className="quiet" onClick={() => setCursor(list.data?.nextCursor ?? undefined)}>
            Next page
          </button>
        )}
      </div>
    </section>
  );
}

function SearchTable({
  searches,
  chosen,
  onToggle,
}: {
  searches: Search[];
  chosen: string[];
  onToggle(id: string): void;
}) {
  return (
    <table className="searches">
      <thead>
        <tr>
          <th scope="col">Compare</th>
          <th scope="col">Name</th>
          <th scope="col">Status</th>
          <th scope="col">Progress</th>
          <th scope="col">Backend</th>
          <th scope="col">Submitted by</th>
          <th scope="col">Submitted</th>
        </tr>
      </thead>
      <tbody>
        {searches.map((s) => (
          <tr key={s.id} data-search-id={s.id}>
            <td>
              <input
                type="checkbox"
                aria-label={`Compare ${s.name}`}
                checked={chosen.includes(s.id)}
                onChange={() => onToggle(s.id)}
              />
            </td>
            <td>
              <Link to={`/searches/${s.id}`}>{s.name}</Link>
            </td>
            <td>
              <StatusBadge status={s.status} />
            </td>
            <td className="progress-cell">
              <ProgressBar progress={progressOf(s)} status={s.status} label={`Progress of ${s.name}`} />
              <ProgressLine progress={progressOf(s)} status={s.status} />
            </td>
            <td>{s.backend ?? "—"}</td>
            <td>{submitterOf(s) ?? "—"}</td>
            <td>{formatWhen(s.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
