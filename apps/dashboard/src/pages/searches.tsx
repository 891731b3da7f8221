// The team's searches, newest first, refreshed every few seconds so running ones move on their own.
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { query } from "../api/client";
import { readPage, readSearch, SEARCH_STATUSES, type Search } from "../api/types";
import { ProgressBar, ProgressLine, StatusBadge } from "../components/status";
import { formatWhen } from "../format";
import { useResource } from "../use-resource";

const PAGE_SIZE = 50;

export function SearchesPage() {
  const [params, setParams] = useSearchParams();
  const status = params.get("status") ?? "";
  const [cursor, setCursor] = useState<string | undefined>();
  const list = useResource(
    `/v1/searches${query({ status, limit: PAGE_SIZE, cursor })}`,
    (raw) => {
      const page = readPage(raw);
      return { searches: page.items.map(readSearch), nextCursor: page.nextCursor };
    },
    { intervalMs: 3000 },
  );

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
      {list.data && list.data.searches.length > 0 && <SearchTable searches={list.data.searches} />}
      <div className="pager">
        {cursor && (
          <button type="button" className="quiet" onClick={() => setCursor(undefined)}>
            First page
          </button>
        )}
        {list.data?.nextCursor && (
          <button type="button" className="quiet" onClick={() => setCursor(list.data?.nextCursor)}>
            Next page
          </button>
        )}
      </div>
    </section>
  );
}

function SearchTable({ searches }: { searches: Search[] }) {
  return (
    <table className="searches">
      <thead>
        <tr>
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
              <Link to={`/searches/${s.id}`}>{s.name}</Link>
            </td>
            <td>
              <StatusBadge status={s.status} />
            </td>
            <td className="progress-cell">
              <ProgressBar progress={s.progress} status={s.status} label={`Progress of ${s.name}`} />
              <ProgressLine progress={s.progress} status={s.status} />
            </td>
            <td>{s.backend ?? "—"}</td>
            <td>{s.submitter ?? "—"}</td>
            <td>{formatWhen(s.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
