// One labelled control of the space editor with the API's messages for its part of the space below it.
import type { ReactNode } from "react";
import type { FieldIssue } from "../api/client";
import { FieldIssues } from "../components/field-issues";

/** The issues of the job whose path falls to a control (its dotted path under the job, e.g. space.stages.0.widths). */
export type IssuesAt = (path: string) => FieldIssue[];

export const controlId = (path: string) => `control-${path.replace(/[^A-Za-z0-9]+/g, "-")}`;

export interface ControlBinding {
  id: string;
  invalid: boolean;
  describedBy: string | undefined;
}

export function Control({
  path,
  label,
  hint,
  issuesAt,
  children,
}: {
  path: string;
  label: string;
  hint?: string;
  issuesAt: IssuesAt;
  children(binding: ControlBinding): ReactNode;
}) {
  const id = controlId(path);
  const issues = issuesAt(path);
  const describedBy = [hint ? `${id}-hint` : "", issues.length ? `${id}-error` : ""].filter(Boolean).join(" ");
  return (
    <div className="control">
      <label htmlFor={id}>{label}</label>
      {children({ id, invalid: issues.length > 0, describedBy: describedBy || undefined })}
      {hint && (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      )}
      <FieldIssues id={`${id}-error`} field={path} issues={issues} />
    </div>
  );
}

/** A group of checkboxes (positions, reductions) with the issues of the list they write. */
export function CheckGroup({
  path,
  legend,
  options,
  checked,
  onToggle,
  issuesAt,
}: {
  path: string;
  legend: string;
  options: readonly string[];
  checked: readonly unknown[];
  onToggle(option: string, on: boolean): void;
  issuesAt: IssuesAt;
}) {
  const id = controlId(path);
  const issues = issuesAt(path);
  return (
    <fieldset className="check-group" aria-describedby={issues.length ? `${id}-error` : undefined}>
      <legend>{legend}</legend>
      {options.map((option) => (
        <label key={option} className="check">
          <input
            type="checkbox"
            checked={checked.includes(option)}
            onChange={(event) => onToggle(option, event.target.checked)}
          />
          {option}
        </label>
      ))}
      <FieldIssues id={`${id}-error`} field={path} issues={issues} />
    </fieldset>
  );
}
