// An architecture's figures: the search's accuracy (weights inherited from the super-network, validation split) and,
// when the final phase trained it alone, its test accuracy beside it with how it was trained.
import type { Architecture } from "../api/schema";
import { formatAccuracy, formatCount, formatLatency, formatMacs } from "../format";

/** How the final phase trained a model, in words. */
export function trainedHow(mode: string | null | undefined, epochs: number | null | undefined): string {
  const how =
    mode === "finetune" ? "fine-tuned from the inherited weights" : mode === "scratch" ? "from scratch" : mode;
  const length = epochs == null ? "" : `${epochs} ${epochs === 1 ? "epoch" : "epochs"}`;
  return [how, length].filter(Boolean).join(", ");
}

export function ArchitectureMetrics({ metrics }: { metrics: Architecture["metrics"] }) {
  const trained = metrics.testAccuracy != null;
  return (
    <dl className="facts metrics" data-testid="arch-metrics">
      <div>
        <dt>{trained ? "Accuracy, inherited weights (validation)" : "Accuracy"}</dt>
        <dd>{formatAccuracy(metrics.accuracy)}</dd>
      </div>
      {trained && (
        <div>
          <dt>Test accuracy, trained alone</dt>
          <dd data-testid="test-accuracy">{formatAccuracy(metrics.testAccuracy!)}</dd>
        </div>
      )}
      {trained && (
        <div>
          <dt>Trained alone</dt>
          <dd>{trainedHow(metrics.finalMode, metrics.finalEpochs) || "yes"}</dd>
        </div>
      )}
      {metrics.finalValAccuracy != null && (
        <div>
          <dt>Validation accuracy, trained alone</dt>
          <dd>{formatAccuracy(metrics.finalValAccuracy)}</dd>
        </div>
      )}
      <div>
        <dt>MACs</dt>
        <dd>{formatMacs(metrics.macs)}</dd>
      </div>
      {metrics.latencyMs != null && (
        <div>
          <dt>Latency, ONNX Runtime (CPU, batch 1)</dt>
          <dd data-testid="latency" title={metrics.latencyCpu ?? undefined}>
            {formatLatency(metrics.latencyMs, metrics.latencyP90Ms, metrics.latencyThreads)}
            {metrics.latencyRuns != null && <span className="muted"> over {metrics.latencyRuns} runs</span>}
          </dd>
        </div>
      )}
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
