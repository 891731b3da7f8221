// One architecture of a search: its diagram, its metrics and its bundle to download. When the final phase trained it
// alone, both bundles are offered: the trained model and the weights inherited from the super-network. Either comes
// in the format chosen: the bundle (.tar.gz, the model's own tfjs weights), ONNX or safetensors, converted by the API
// on request (docs/export.md, "Exporting a bundle").
import { useState } from "react";
import { Link, useParams } from "react-router";
import { query } from "../api/client";
import { useArchitecture } from "../api/queries";
import { vitArch } from "../api/schema";
import { ArchitectureDiagram } from "../arch/diagram";
import { ArchitectureMetrics, trainedHow } from "../arch/metrics";
import { formatAccuracy } from "../format";

/** The API's download formats (`?format=`), with what each holds. */
const FORMATS = [
  { value: "bundle", label: "Bundle, tfjs weights (.tar.gz)" },
  { value: "onnx", label: "ONNX (.onnx)" },
  { value: "safetensors", label: "safetensors (.safetensors)" },
] as const;
type DownloadFormat = (typeof FORMATS)[number]["value"];

const FORMAT_NOTES: Record<DownloadFormat, string> = {
  bundle:
    "arch.json, the weights in the product's own format, preprocessing.json, metrics.json and the model card: " +
    "what nas predict, nas eval and nas export read.",
  onnx:
    "An ONNX model (opset 17, NCHW float32 input, batch chosen at run time) for ONNX Runtime and the runtimes that " +
    "read ONNX; the input normalisation is in its metadata.",
  safetensors: "The model's tensors under their own names, the architecture and preprocessing in its metadata.",
};

export function ArchitecturePage() {
  const { id = "", archId = "" } = useParams();
  const path = `/v1/searches/${encodeURIComponent(id)}/architectures/${encodeURIComponent(archId)}`;
  const detail = useArchitecture(id, archId);
  const metrics = detail.data?.metrics;
  const trained = metrics?.testAccuracy != null;
  const [format, setFormat] = useState<DownloadFormat>("bundle");
  const download = (weights?: "inherited") =>
    `${path}/download${query({ format: format === "bundle" ? undefined : format, weights })}`;
  const what = format === "bundle" ? "bundle" : FORMATS.find((f) => f.value === format)!.label.split(" ")[0];

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
            <label htmlFor="download-format">Format</label>
            <select
              id="download-format"
              value={format}
              onChange={(e) => setFormat(e.target.value as DownloadFormat)}
              aria-describedby="download-format-note"
            >
              {FORMATS.map((f) => (
                <option key={f.value} value={f.value}>
                  {f.label}
                </option>
              ))}
            </select>
            {trained ? (
              <>
                <a className="button" href={download()} download>
                  Download trained model
                </a>
                <a className="button secondary" href={download("inherited")} download>
                  Download {what} with inherited weights
                </a>
              </>
            ) : (
              <a className="button" href={download()} download>
                Download {what}
              </a>
            )}
          </div>
        )}
      </div>
      {metrics && (
        <p className="muted" id="download-format-note" data-testid="download-format-note">
          {FORMAT_NOTES[format]}
        </p>
      )}
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
          <ArchitectureDiagram arch={vitArch(detail.data)} />
          <details>
            <summary>vit-arch/v1 JSON</summary>
            <pre>{JSON.stringify(detail.data.arch, null, 2)}</pre>
          </details>
        </>
      )}
    </section>
  );
}
