// The API's validation messages for one field, each with the part of its path below the field (`stages[1].widths`).
import type { FieldIssue } from "../api/client";
import { pathBelow } from "../issue-paths";

export function FieldIssues({ id, field, issues }: { id: string; field: string; issues: FieldIssue[] }) {
  if (!issues.length) return null;
  return (
    <ul id={id} className="field-error">
      {issues.map((issue) => {
        const below = pathBelow(issue.path, field);
        return (
          <li key={`${issue.path}:${issue.message}`}>
            {below && <code>{below}</code>} {issue.message}
          </li>
        );
      })}
    </ul>
  );
}
