// One architecture of a search: its diagram, its metrics and its bundle to download. When the final phase trained it
// alone, both bundles are offered: the trained model and the weights inherited from the super-network.
import { Link, useParams } from "react-router";
import { readArchitecture } from "../api/types";
import { ArchitectureDiagram } from "../arch/diagram";
import { ArchitectureMetrics, trainedHow } from "../arch/metrics";
import { formatAccuracy } from "../format";
import { useResource } from "../use-resource";

export function ArchitecturePage() {
  const { id = "", archId = "" } = useParams();
  const path = `/v1/searches/${encodeURIComponent(id)}/architectures/${encodeURIComponent(archId)}`;
  const detail = useResource(path, (raw) => readArchitecture(raw, archId));
  const metrics = detail.data?.metrics;
  const trained = metrics?.testAccuracy !== undefined;

  return (
    <section>
      <p className="crumbs">
        <Link to={`/searches/${id}`}>← Back to the search</Link>
      </p>
      <div className="page-head">
        <h1>
          Architecture <code>{archId.slice(0, 12)}</code>
        </h1>
        {metrics && (
          <div className="actions">
            {trained ? (
              <>
                <a className="button" href={`${path}/download`} download>
                  Download trained model
                </a>
                <a className="button secondary" href={`${path}/download?weights=inherited`} download>
                  Download bundle with inherited weights
                </a>
              </>
            ) : (
              <a className="button" href={`${path}/download`} download>
                Download bundle
              </a>
            )}
          </div>
        )}
      </div>
      {metrics && trained && (
        <p className="muted" data-testid="download-note">
          The trained model is this architecture trained alone by the final phase (
          {trainedHow(metrics.finalMode, metrics.finalEpochs)}; test accuracy {formatAccuracy(metrics.testAccuracy!)}
          ). The inherited weights are the super-network's, with which the search measured it (
          {formatAccuracy(metrics.accuracy)} on the validation split).
        </p>
      )}
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
