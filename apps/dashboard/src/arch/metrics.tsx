import type { Point } from "../api/types";
import { formatAccuracy, formatCount, formatMacs } from "../format";

export function ArchitectureMetrics({ metrics }: { metrics: Point & { onFront?: boolean } }) {
  return (
    <dl className="facts metrics" data-testid="arch-metrics">
      <div>
        <dt>Accuracy</dt>
        <dd>{formatAccuracy(metrics.accuracy)}</dd>
      </div>
      <div>
        <dt>MACs</dt>
        <dd>{formatMacs(metrics.macs)}</dd>
      </div>
      <div>
        <dt>Parameters</dt>
        <dd>{metrics.params === undefined ? "—" : formatCount(metrics.params)}</dd>
      </div>
      {metrics.onFront !== undefined && (
        <div>
          <dt>On the front</dt>
          <dd>{metrics.onFront ? "yes" : "no"}</dd>
        </div>
      )}
      {metrics.generation !== undefined && (
        <div>
          <dt>Found in generation</dt>
          <dd>{metrics.generation}</dd>
        </div>
      )}
    </dl>
  );
}
