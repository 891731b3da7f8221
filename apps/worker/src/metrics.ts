// The worker's Prometheus metrics, served on WORKER_METRICS_PORT at /metrics (one scrape target per worker).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { SelfTestResult } from "@vitnas/supernet";
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly selfTestOk = new Gauge({
    name: "vitnas_worker_self_test_ok",
    help: "1 when the worker's backend passed its start-up self-test (a tiny forward and backward pass)",
    labelNames: ["worker", "backend", "device"] as const,
    registers: [this.registry],
  });
  readonly selfTestSeconds = new Gauge({
    name: "vitnas_worker_self_test_seconds",
    help: "Duration of the start-up self-test",
    labelNames: ["worker", "backend", "device"] as const,
    registers: [this.registry],
  });
  readonly searchesRunning = new Gauge({
    name: "vitnas_worker_searches_running",
    help: "Searches this worker is running now",
    labelNames: ["worker"] as const,
    registers: [this.registry],
  });
  readonly searchesFinished = new Counter({
    name: "vitnas_worker_searches_total",
    help: "Searches this worker stopped running, by outcome (succeeded, failed, cancelled, requeued)",
    labelNames: ["worker", "outcome"] as const,
    registers: [this.registry],
  });
  readonly processRestarts = new Counter({
    name: "vitnas_worker_search_process_restarts_total",
    help: "Training processes started again from the last checkpoint after dying (killed, out of memory)",
    labelNames: ["worker"] as const,
    registers: [this.registry],
  });
  readonly imagesPerSecond = new Gauge({
    name: "vitnas_worker_training_images_per_second",
    help: "Supernet training throughput of the latest step, summed over the searches running here",
    labelNames: ["worker"] as const,
    registers: [this.registry],
  });
  readonly candidatesEvaluated = new Counter({
    name: "vitnas_worker_candidates_evaluated_total",
    help: "Architectures evaluated by this worker's searches (rate() gives candidates per second)",
    labelNames: ["worker"] as const,
    registers: [this.registry],
  });
  readonly heartbeat = new Gauge({
    name: "vitnas_worker_heartbeat_timestamp_seconds",
    help: "Unix time of the worker's latest heartbeat",
    labelNames: ["worker"] as const,
    registers: [this.registry],
  });
  private readonly throughput = new Map<string, number>();

  constructor(readonly worker: string) {
    collectDefaultMetrics({ register: this.registry, prefix: "vitnas_worker_" });
    this.searchesRunning.set({ worker }, 0);
    this.imagesPerSecond.set({ worker }, 0);
  }

  recordSelfTest(result: SelfTestResult): void {
    const labels = { worker: this.worker, backend: result.backend, device: result.device };
    this.selfTestOk.set(labels, result.ok ? 1 : 0);
    this.selfTestSeconds.set(labels, result.ms / 1000);
  }

  /** Throughput of one search; undefined when it stops training. */
  recordThroughput(searchId: string, imagesPerSec: number | undefined): void {
    if (imagesPerSec === undefined) this.throughput.delete(searchId);
    else this.throughput.set(searchId, imagesPerSec);
    let sum = 0;
    for (const value of this.throughput.values()) sum += value;
    this.imagesPerSecond.set({ worker: this.worker }, sum);
  }

  beat(): void {
    this.heartbeat.set({ worker: this.worker }, Date.now() / 1000);
  }
}

/** Serves `/metrics`; resolves once listening, with the port (useful when asked for port 0). */
export async function serveMetrics(metrics: WorkerMetrics, port: number, host = "0.0.0.0"): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end("not found: the worker serves /metrics only\n");
      return;
    }
    metrics.registry.metrics().then(
      (body) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(body),
      (err: Error) => res.writeHead(500).end(`metrics: ${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) => reject(new Error(`WORKER_METRICS_PORT ${port}: ${err.message}`)));
    server.listen(port, host, resolve);
  });
  return server;
}

export function metricsPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}
