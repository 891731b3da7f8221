// One architecture of a search: its diagram, its metrics and its bundle to download.
import { Link, useParams } from "react-router";
import { readArchitecture } from "../api/types";
import { ArchitectureDiagram } from "../arch/diagram";
import { ArchitectureMetrics } from "../arch/metrics";
import { useResource } from "../use-resource";

export function ArchitecturePage() {
  const { id = "", archId = "" } = useParams();
  const path = `/v1/searches/${encodeURIComponent(id)}/architectures/${encodeURIComponent(archId)}`;
  const detail = useResource(path, (raw) => readArchitecture(raw, archId));

  return (
    <section>
      <p className="crumbs">
        <Link to={`/searches/${id}`}>← Back to the search</Link>
      </p>
      <div className="page-head">
        <h1>
          Architecture <code>{archId.slice(0, 12)}</code>
        </h1>
        <a className="button" href={`${path}/download`} download>
          Download bundle
        </a>
      </div>
      {detail.error && (
        <p className="field-error" role="alert">
          {detail.error.status === 404 ? "No such architecture in this search." : detail.error.message}
        </p>
      )}
      {detail.data && (
        <>
          <ArchitectureMetrics metrics={detail.data.metrics} />
          <ArchitectureDiagram arch={detail.data.arch} />
          <details>
            <summary>vit-arch/v1 JSON</summary>
            <pre>{JSON.stringify(detail.data.arch, null, 2)}</pre>
          </details>
        </>
      )}
    </section>
  );
}
