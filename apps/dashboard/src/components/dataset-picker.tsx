// The team's uploaded datasets on the new-search page: an archive uploaded from here (POST /v1/datasets, checked by
// the API before it is accepted, its refusal shown as the API words it), the datasets listed with what their check
// found and their preview, and one set as the job's dataset (docs/datasets.md).
import { type ChangeEvent, useState } from "react";
import { ApiError, answer, api, upload as uploadFile } from "../api/client";
import { useApi } from "../api/queries";
import type { Dataset } from "../api/schema";

export type UploadedDataset = Dataset;

const describe = (d: UploadedDataset) =>
  `${d.format}, ${d.classes} classes, ${d.train.toLocaleString("en")} training` +
  `${d.test === null ? "" : ` and ${d.test.toLocaleString("en")} test`} images, ` +
  `${d.imageSize === null ? "mixed sizes" : `${d.imageSize} px`}, ${d.channels === 1 ? "grayscale" : "colour"}`;

export function DatasetPicker({ selected, onUse }: { selected?: string; onUse(dataset: UploadedDataset): void }) {
  const list = useApi(["datasets"], async (signal) => (await answer(api.GET("/v1/datasets/", { signal }))).datasets);
  const [status, setStatus] = useState<{ kind: "busy" | "done" | "error"; text: string } | null>(null);

  async function upload(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    event.target.value = "";
    if (!file) return;
    setStatus({ kind: "busy", text: `Uploading ${file.name} and checking it…` });
    try {
      const name = file.name.replace(/\.(tar\.gz|tgz|tar|zip|npz)$/i, "");
      const dataset = await uploadFile<Dataset>(`/v1/datasets?name=${encodeURIComponent(name)}`, file);
      setStatus({ kind: "done", text: `Accepted ${dataset.name}: ${describe(dataset)}. It is now the job's dataset.` });
      list.reload();
      onUse(dataset);
    } catch (cause) {
      const message = cause instanceof ApiError ? cause.message : String(cause);
      setStatus({ kind: "error", text: `Not accepted: ${message}` });
    }
  }

  return (
    <fieldset className="datasets">
      <legend>Uploaded datasets</legend>
      <p className="muted">
        A tar.gz, tar or zip of class folders, IDX files, CIFAR-10/100 binary files or NumPy arrays, or an .npz.
      </p>
      <label htmlFor="dataset-file">Upload a dataset</label>
      <input
        id="dataset-file"
        type="file"
        accept=".tar.gz,.tgz,.tar,.zip,.npz,application/gzip,application/zip"
        onChange={(e) => void upload(e)}
        disabled={status?.kind === "busy"}
        aria-describedby={status ? "dataset-status" : undefined}
      />
      {status && (
        <p
          id="dataset-status"
          className={status.kind === "error" ? "field-error" : "muted"}
          role={status.kind === "error" ? "alert" : "status"}
        >
          {status.text}
        </p>
      )}
      {list.error && <p className="field-error">{list.error.message}</p>}
      {list.data && list.data.length === 0 && <p className="muted">No dataset uploaded yet.</p>}
      {list.data && list.data.length > 0 && (
        <ul className="dataset-list">
          {list.data.map((d) => (
            <li key={d.id} data-testid="dataset" aria-current={d.id === selected ? "true" : undefined}>
              <img src={d.previewUrl} alt={`one of each of the first classes of ${d.name}`} height={32} />
              <span>
                <strong>{d.name}</strong> <span className="muted">{describe(d)}</span>
              </span>
              <button type="button" onClick={() => onUse(d)} disabled={d.id === selected}>
                {d.id === selected ? "In this job" : `Use ${d.name}`}
              </button>
            </li>
          ))}
        </ul>
      )}
    </fieldset>
  );
}
