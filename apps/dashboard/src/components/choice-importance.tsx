// How much each searchable choice explains accuracy, as a table a screen reader reads like anyone else: the share
// as a bar and a percentage, then each option's accuracy (mean and spread over the candidates that took it), best
// first, so "which attention type in stage 2?" is answered in one row.
import type { Importance } from "../api/schema";
import { formatAccuracy } from "../format";

const percent = (share: number) => `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;

export function ChoiceImportanceTable({ importance }: { importance: Importance }) {
  const { choices, samples, total, explained } = importance;
  return (
    <>
      <p className="muted" data-testid="importance-summary">
        Together the choices explain {percent(explained)} of accuracy's variance over{" "}
        {samples < total ? `a uniform sample of ${samples} of the ${total}` : `all ${total}`} candidates; the rest is
        how choices combine, and evaluation noise. Each choice's share is of what they explain, fitted jointly, so a
        choice is not credited with the effect of choices the search made together with it.
      </p>
      <table className="importance">
        <thead>
          <tr>
            <th scope="col">Choice</th>
            <th scope="col">Importance</th>
            <th scope="col">Accuracy per option: mean ± standard deviation (candidates)</th>
          </tr>
        </thead>
        <tbody>
          {choices.map((c) => (
            <tr key={c.key} data-choice={c.key}>
              <th scope="row">{c.label}</th>
              <td className="importance-cell">
                <span className="importance-bar" aria-hidden="true">
                  <span style={{ width: `${Math.max(0.5, c.importance * 100)}%` }} />
                </span>
                <span className="importance-value">{percent(c.importance)}</span>
              </td>
              <td>
                <ul className="option-list">
                  {[...c.options]
                    .sort((a, b) => b.mean - a.mean)
                    .map((o) => (
                      <li key={o.value} data-option={o.value}>
                        <strong>{o.value}</strong> {formatAccuracy(o.mean)} ± {(o.std * 100).toFixed(2)}{" "}
                        <span className="muted">({o.candidates})</span>
                      </li>
                    ))}
                </ul>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
