// A new search: start from a preset or a pasted/uploaded job, adjust the common settings and the search space
// (controls beside its JSON), submit. The API checks the job as it is typed (a moment after typing pauses) and
// again on submission; each of its messages is shown at the field it concerns, and the space's size, MACs range
// and the job's cost beside the form before anything is submitted.
import { type ChangeEvent, type FormEvent, useMemo, useRef, useState } from "react";
import { useNavigate } from "react-router";
import { ApiError, answer, api, type FieldIssue } from "../api/client";
import type { SubmittedJob } from "../api/schema";
import { DatasetPicker, type UploadedDataset } from "../components/dataset-picker";
import { EstimatePanel } from "../components/estimate-panel";
import { FieldIssues } from "../components/field-issues";
import { fieldForIssue, getAt, setAt } from "../issue-paths";
import { PRESETS } from "../presets";
import { SpaceEditor } from "../space-editor/space-editor";
import { useLiveCheck } from "../use-live-check";

interface ScalarField {
  path: string;
  label: string;
  kind: "text" | "integer" | "number";
  hint?: string;
}

const SCALAR_FIELDS: ScalarField[] = [
  { path: "name", label: "Name", kind: "text" },
  { path: "seed", label: "Seed", kind: "integer" },
  { path: "supernet.epochs", label: "Supernet epochs", kind: "integer" },
  { path: "supernet.batchSize", label: "Batch size", kind: "integer" },
  { path: "supernet.archsPerStep", label: "Sub-networks per step", kind: "integer" },
  { path: "supernet.learningRate", label: "Learning rate", kind: "number" },
  { path: "search.population", label: "Population", kind: "integer" },
  { path: "search.generations", label: "Generations", kind: "integer" },
  { path: "search.constraints.macs.max", label: "MACs budget (max)", kind: "integer", hint: "empty: no budget" },
];
const JSON_FIELDS = [{ path: "dataset", label: "Dataset (JSON)", rows: 8 }] as const;
const SPACE = "space";
const FIELD_PATHS = [...SCALAR_FIELDS.map((f) => f.path), ...JSON_FIELDS.map((f) => f.path), SPACE];

type Job = Record<string, unknown>;
const fieldId = (path: string) => `field-${path.replace(/\./g, "-")}`;

function draftFrom(job: Job): Record<string, string> {
  const draft: Record<string, string> = {};
  for (const f of SCALAR_FIELDS) {
    const value = getAt(job, f.path);
    draft[f.path] = value === undefined ? "" : String(value);
  }
  for (const path of [...JSON_FIELDS.map((f) => f.path), SPACE]) {
    draft[path] = JSON.stringify(getAt(job, path) ?? {}, null, 2);
  }
  return draft;
}

/** The job to send, or the fields whose text cannot be read. */
function assemble(base: Job, draft: Record<string, string>): { job: Job } | { local: Record<string, FieldIssue[]> } {
  const job = structuredClone(base);
  const local: Record<string, FieldIssue[]> = {};
  for (const f of SCALAR_FIELDS) {
    const text = (draft[f.path] ?? "").trim();
    if (text === "") setAt(job, f.path, undefined);
    else if (f.kind === "text") setAt(job, f.path, text);
    else if (Number.isFinite(Number(text))) setAt(job, f.path, Number(text));
    else local[f.path] = [{ path: f.path, message: "must be a number" }];
  }
  for (const path of [...JSON_FIELDS.map((f) => f.path), SPACE]) {
    try {
      setAt(job, path, JSON.parse(draft[path] ?? ""));
    } catch (cause) {
      local[path] = [{ path, message: `not valid JSON: ${(cause as Error).message}` }];
    }
  }
  return Object.keys(local).length ? { local } : { job };
}

/** Issues by the form field their path falls to, and those no field holds. */
function byField(issues: readonly FieldIssue[]): { fields: Record<string, FieldIssue[]>; other: FieldIssue[] } {
  const fields: Record<string, FieldIssue[]> = {};
  const other: FieldIssue[] = [];
  for (const issue of issues) {
    const field = fieldForIssue(issue.path, FIELD_PATHS);
    if (field) fields[field] = [...(fields[field] ?? []), issue];
    else other.push(issue);
  }
  return { fields, other };
}

export function NewSearchPage() {
  const navigate = useNavigate();
  const [presetId, setPresetId] = useState(PRESETS[0]!.id);
  const [base, setBase] = useState<Job>(() => structuredClone(PRESETS[0]!.job) as Job);
  const [draft, setDraft] = useState(() => draftFrom(base));
  // What the last submission was refused for, shown until the job is edited; the live check's issues otherwise.
  const [refused, setRefused] = useState<{ fields: Record<string, FieldIssue[]>; other: FieldIssue[] } | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [pasted, setPasted] = useState("");
  const [pasteError, setPasteError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  const assembled = useMemo(() => assemble(base, draft), [base, draft]);
  const live = useLiveCheck(assembled);
  const checked = useMemo(() => {
    const { result } = live;
    if (result.state === "local") return { fields: result.issues, other: [] };
    if (result.state === "checked") return byField(result.estimate.issues);
    return { fields: {}, other: [] };
  }, [live]);
  const issues = refused?.fields ?? checked.fields;
  const otherIssues = refused?.other ?? [];

  function load(job: Job) {
    setBase(job);
    setDraft(draftFrom(job));
    setRefused(null);
    setFormError(null);
  }

  function choosePreset(id: string) {
    const preset = PRESETS.find((p) => p.id === id);
    if (!preset) return;
    setPresetId(id);
    load(structuredClone(preset.job) as Job);
  }

  function takePasted(text: string) {
    try {
      const job = JSON.parse(text) as unknown;
      if (typeof job !== "object" || job === null || Array.isArray(job)) throw new Error("a job is a JSON object");
      setPasteError(null);
      setPresetId("");
      load(job as Job);
    } catch (cause) {
      setPasteError(`Not a JSON job: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
  }

  async function upload(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    if (!file) return;
    const text = await file.text();
    setPasted(text);
    takePasted(text);
  }

  function focusFirstInvalid() {
    requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus());
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(null);
    if ("local" in assembled) {
      setRefused({ fields: assembled.local, other: [] });
      focusFirstInvalid();
      return;
    }
    setBusy(true);
    try {
      const created = await answer(api.POST("/v1/searches/", { body: assembled.job as SubmittedJob }));
      navigate(`/searches/${created.id}`);
    } catch (cause) {
      if (!(cause instanceof ApiError)) {
        setFormError(String(cause));
        return;
      }
      const split = byField(cause.details);
      setRefused(split);
      // Issues already shown at their fields are not repeated; the sentence says where to look.
      setFormError(
        cause.details.length === 0
          ? cause.message
          : `The job was not accepted: ${cause.details.length} ${cause.details.length === 1 ? "problem" : "problems"}, shown ${
              split.other.length === cause.details.length ? "below" : "at the marked fields"
            }.`,
      );
      focusFirstInvalid();
    } finally {
      setBusy(false);
    }
  }

  const set = (path: string, value: string) => {
    setDraft((d) => ({ ...d, [path]: value }));
    // An edited job is checked afresh: what the last submission said no longer holds.
    setRefused(null);
    setFormError(null);
  };
  // An uploaded dataset becomes the job's, and the space's input takes its classes (what submission checks).
  const chooseDataset = (dataset: UploadedDataset) => {
    set("dataset", JSON.stringify({ kind: "uploaded", id: dataset.id }, null, 2));
    try {
      const space = JSON.parse(draft[SPACE] ?? "") as { input?: Record<string, number> };
      if (space.input) {
        space.input.classes = dataset.classes;
        set(SPACE, JSON.stringify(space, null, 2));
      }
    } catch {
      // The space's text does not parse yet: its own field says so, and the live check names the classes.
    }
  };
  const selectedDataset = (() => {
    try {
      const dataset = JSON.parse(draft.dataset ?? "") as { kind?: string; id?: string };
      return dataset.kind === "uploaded" ? dataset.id : undefined;
    } catch {
      return undefined;
    }
  })();
  const fieldIssues = (path: string) => issues[path] ?? [];
  const describe = (path: string) => (fieldIssues(path).length ? `${fieldId(path)}-error` : undefined);

  return (
    <section>
      <h1>New search</h1>
      <fieldset className="presets">
        <legend>Start from a preset</legend>
        {PRESETS.map((p) => (
          <label key={p.id} className="preset">
            <input
              type="radio"
              name="preset"
              value={p.id}
              checked={presetId === p.id}
              onChange={() => choosePreset(p.id)}
            />
            <span>
              <strong>{p.label}</strong>
              <span className="muted"> — {p.description}</span>
            </span>
          </label>
        ))}
      </fieldset>

      <details className="paste">
        <summary>Paste or upload a job</summary>
        <label htmlFor="pasted-job">Job (nas-search/v1 JSON)</label>
        <textarea
          id="pasted-job"
          rows={8}
          value={pasted}
          onChange={(e) => setPasted(e.target.value)}
          aria-invalid={pasteError ? true : undefined}
          aria-describedby={pasteError ? "pasted-job-error" : undefined}
          spellCheck={false}
        />
        {pasteError && (
          <p id="pasted-job-error" className="field-error" role="alert">
            {pasteError}
          </p>
        )}
        <div className="row">
          <button type="button" onClick={() => takePasted(pasted)} disabled={!pasted.trim()}>
            Use this job
          </button>
          <label htmlFor="job-file" className="file-label">
            Upload a job file
          </label>
          <input id="job-file" type="file" accept=".json,application/json" onChange={(e) => void upload(e)} />
        </div>
      </details>

      <DatasetPicker selected={selectedDataset} onUse={chooseDataset} />

      <form ref={formRef} onSubmit={submit} noValidate aria-describedby={formError ? "form-error" : undefined}>
        <div className="field-grid">
          {SCALAR_FIELDS.map((f) => (
            <div className="field" key={f.path}>
              <label htmlFor={fieldId(f.path)}>{f.label}</label>
              <input
                id={fieldId(f.path)}
                name={f.path}
                type={f.kind === "text" ? "text" : "number"}
                step={f.kind === "number" ? "any" : undefined}
                inputMode={f.kind === "integer" ? "numeric" : undefined}
                value={draft[f.path] ?? ""}
                placeholder={f.hint}
                onChange={(e) => set(f.path, e.target.value)}
                aria-invalid={fieldIssues(f.path).length ? true : undefined}
                aria-describedby={describe(f.path)}
              />
              <FieldIssues id={`${fieldId(f.path)}-error`} field={f.path} issues={fieldIssues(f.path)} />
            </div>
          ))}
        </div>
        {JSON_FIELDS.map((f) => (
          <div className="field" key={f.path}>
            <label htmlFor={fieldId(f.path)}>{f.label}</label>
            <textarea
              id={fieldId(f.path)}
              name={f.path}
              rows={f.rows}
              spellCheck={false}
              value={draft[f.path] ?? ""}
              onChange={(e) => set(f.path, e.target.value)}
              aria-invalid={fieldIssues(f.path).length ? true : undefined}
              aria-describedby={describe(f.path)}
            />
            <FieldIssues id={`${fieldId(f.path)}-error`} field={f.path} issues={fieldIssues(f.path)} />
          </div>
        ))}
        <SpaceEditor text={draft[SPACE] ?? ""} onText={(text) => set(SPACE, text)} issues={fieldIssues(SPACE)} />
        <EstimatePanel check={live} otherIssues={refused ? [] : checked.other} />
        {formError && (
          <div id="form-error" className="form-error" role="alert">
            <p>{formError}</p>
            {otherIssues.length > 0 && (
              <ul>
                {otherIssues.map((issue) => (
                  <li key={`${issue.path}:${issue.message}`}>
                    <code>{issue.path || "(job)"}</code> {issue.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Submitting…" : "Submit search"}
        </button>
      </form>
    </section>
  );
}
