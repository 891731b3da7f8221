// Two architectures of a search side by side: metrics and diagrams.
import { Link, useParams, useSearchParams } from "react-router";
import { readArchitecture } from "../api/types";
import { ArchitectureDiagram } from "../arch/diagram";
import { ArchitectureMetrics } from "../arch/metrics";
import { useResource } from "../use-resource";

export function ComparePage() {
  const { id = "" } = useParams();
  const [params] = useSearchParams();
  const ids = [params.get("a"), params.get("b")].filter((x): x is string => !!x);

  return (
    <section>
      <p className="crumbs">
        <Link to={`/searches/${id}`}>← Back to the search</Link>
      </p>
      <h1>Compare architectures</h1>
      {ids.length < 2 ? (
        <p className="field-error">Choose two architectures on the search's front table to compare them.</p>
      ) : (
        <div className="compare">
          {ids.map((archId) => (
            <CompareColumn key={archId} searchId={id} archId={archId} />
          ))}
        </div>
      )}
    </section>
  );
}

function CompareColumn({ searchId, archId }: { searchId: string; archId: string }) {
  const path = `/v1/searches/${encodeURIComponent(searchId)}/architectures/${encodeURIComponent(archId)}`;
  const detail = useResource(path, (raw) => readArchitecture(raw, archId));
  return (
    <article className="panel" aria-label={`Architecture ${archId.slice(0, 12)}`}>
      <h2>
        <Link to={`/searches/${searchId}/architectures/${archId}`}>
          <code>{archId.slice(0, 12)}</code>
        </Link>
      </h2>
      {detail.error && <p className="field-error">{detail.error.message}</p>}
      {detail.data && (
        <>
          <ArchitectureMetrics metrics={detail.data.metrics} />
          <ArchitectureDiagram arch={detail.data.arch} />
        </>
      )}
    </article>
  );
}
