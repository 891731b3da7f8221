// What the job being written would be, from the API's live check: whether it would be accepted, the space's size
// and the MACs and parameters of its smallest and largest architectures, the job's cost, the operator's limits it
// exceeds, and the problems no form field shows.
import type { FieldIssue } from "../api/client";
import { formatBytes, formatCount, formatHugeCount, formatMacs } from "../format";
import type { LiveCheck } from "../use-live-check";

const orUnknown = (n: number | null, format: (n: number) => string) =>
  n === null ? "not known before reading" : format(n);

export function EstimatePanel({ check, otherIssues }: { check: LiveCheck; otherIssues: FieldIssue[] }) {
  const { result } = check;
  const estimate = result.state === "checked" ? result.estimate : undefined;
  const fieldIssues = result.state === "checked" ? estimate!.issues.length - otherIssues.length : 0;
  let verdict: string;
  if (result.state === "none") verdict = "Checking the job…";
  else if (result.state === "failed") verdict = `The job could not be checked: ${result.message}`;
  else if (result.state === "local") verdict = "Fix the marked fields: their text does not read.";
  else if (estimate!.valid) verdict = "The job is valid and within the service's limits.";
  else if (estimate!.issues.length > 0) {
    const n = estimate!.issues.length;
    const where = [fieldIssues > 0 ? "at the marked fields" : "", otherIssues.length > 0 ? "below" : ""];
    verdict = `${n} ${n === 1 ? "problem" : "problems"}, shown ${where.filter(Boolean).join(" and ")}.`;
  } else verdict = "The job is valid but exceeds the service's limits.";

  const space = estimate?.space;
  const job = estimate?.estimate;
  return (
    <section className="panel estimate" aria-labelledby="estimate-title" aria-busy={check.pending}>
      <h2 id="estimate-title">Before submitting</h2>
      <p
        className={`verdict ${estimate?.valid ? "ok" : result.state === "none" ? "" : "bad"}`}
        role="status"
        data-testid="estimate-verdict"
      >
        {verdict}
        {check.pending && result.state !== "none" && <span className="muted"> (checking the latest change…)</span>}
      </p>
      {space && (
        <dl className="facts" data-testid="space-figures">
          <div>
            <dt>Architectures in the space</dt>
            <dd title={space.size}>{formatHugeCount(space.size)}</dd>
          </div>
          <div>
            <dt>MACs, smallest to largest</dt>
            <dd>
              {formatMacs(space.smallest.macs)} – {formatMacs(space.largest.macs)}
            </dd>
          </div>
          <div>
            <dt>Parameters, smallest to largest</dt>
            <dd>
              {formatCount(space.smallest.params)} – {formatCount(space.largest.params)}
            </dd>
          </div>
        </dl>
      )}
      {job && (
        <dl className="facts" data-testid="job-estimate">
          <div>
            <dt>Training work</dt>
            <dd>{orUnknown(job.trainingMacs, (n) => `${formatMacs(n)} MACs`)}</dd>
          </div>
          <div>
            <dt>Candidate evaluations</dt>
            <dd>{job.evaluations.toLocaleString("en-US")}</dd>
          </div>
          <div>
            <dt>Evaluation work</dt>
            <dd>{orUnknown(job.evaluationMacs, (n) => `${formatMacs(n)} MACs`)}</dd>
          </div>
          <div>
            <dt>Largest candidate</dt>
            <dd>{formatMacs(job.candidateMacs)} MACs</dd>
          </div>
          <div>
            <dt>Dataset in memory</dt>
            <dd>{orUnknown(job.datasetBytes, formatBytes)}</dd>
          </div>
        </dl>
      )}
      {job && job.assumptions.length > 0 && (
        <ul className="muted assumptions">
          {job.assumptions.map((a) => (
            <li key={a}>{a}</li>
          ))}
        </ul>
      )}
      {estimate && estimate.limits.length > 0 && (
        <div className="form-error" data-testid="estimate-limits">
          <p>Submission would be refused: the job exceeds the service's limits.</p>
          <ul>
            {estimate.limits.map((l) => (
              <li key={l.limit}>{l.message}</li>
            ))}
          </ul>
        </div>
      )}
      {otherIssues.length > 0 && (
        <ul className="field-error" data-testid="estimate-other-issues">
          {otherIssues.map((issue) => (
            <li key={`${issue.path}:${issue.message}`}>
              <code>{issue.path || "(job)"}</code> {issue.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
