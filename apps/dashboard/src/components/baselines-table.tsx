// The job's baselines trained alone beside the front: the reference each trained front architecture is judged
// against at equal or higher MACs (docs/final-phase.md).
import type { Baseline } from "../api/schema";
import { trainedHow } from "../arch/metrics";
import { formatAccuracy, formatCount, formatMacs } from "../format";

export function BaselinesTable({ baselines }: { baselines: Baseline[] }) {
  return (
    <div className="table-scroll">
      <table data-testid="baselines-table">
        <thead>
          <tr>
            <th scope="col">Baseline</th>
            <th scope="col">Test accuracy</th>
            <th scope="col">MACs</th>
            <th scope="col">Parameters</th>
            <th scope="col">Trained</th>
            <th scope="col">Bundle</th>
          </tr>
        </thead>
        <tbody>
          {baselines.map((b) => (
            <tr key={b.name} data-baseline={b.name}>
              <th scope="row">{b.name}</th>
              <td>{formatAccuracy(b.testAccuracy)}</td>
              <td>{formatMacs(b.macs)}</td>
              <td>{formatCount(b.params)}</td>
              <td>{trainedHow(b.mode, b.epochs) || "—"}</td>
              <td>
                {b.download ? (
                  <a href={b.download} download aria-label={`Download baseline ${b.name}`}>
                    download
                  </a>
                ) : (
                  "—"
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
