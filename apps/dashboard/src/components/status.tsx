// A search's status and progress as every page shows them.
import type { Progress, SearchStatus } from "../api/schema";
import { formatDuration } from "../format";

export function StatusBadge({ status }: { status: SearchStatus }) {
  return <span className={`badge badge-${status}`}>{status}</span>;
}

export function ProgressBar({ progress, status, label }: { progress: Progress; status: SearchStatus; label: string }) {
  const percent = status === "succeeded" ? 100 : Math.max(0, Math.min(100, progress.percent));
  return (
    <div className="progress">
      <div
        className={`progress-track progress-${status}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(percent)}
      >
        <div className="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <span className="progress-text">{Math.round(percent)}%</span>
    </div>
  );
}

/** Phase, epoch, generation and ETA in one line. */
export function ProgressLine({ progress, status }: { progress: Progress; status: SearchStatus }) {
  const parts: string[] = [];
  if (progress.phase) parts.push(progress.phase);
  if (progress.epoch !== undefined)
    parts.push(`epoch ${progress.epoch}${progress.epochs !== undefined ? `/${progress.epochs}` : ""}`);
  if (progress.step !== undefined)
    parts.push(`step ${progress.step}${progress.steps !== undefined ? `/${progress.steps}` : ""}`);
  if (progress.generation !== undefined)
    parts.push(
      `generation ${progress.generation}${progress.generations !== undefined ? `/${progress.generations}` : ""}`,
    );
  if (progress.candidatesEvaluated !== undefined) parts.push(`${progress.candidatesEvaluated} candidates`);
  if (status === "running" && progress.etaSeconds !== undefined)
    parts.push(`ETA ${formatDuration(progress.etaSeconds)}`);
  return <span className="muted">{parts.join(" · ") || "—"}</span>;
}
