// Prometheus metrics of the API process: request durations, searches by status, queue depth, and what the workers
// make visible through Postgres (throughput of running searches) and Redis (their heartbeats).
import type { Db } from "@vitnas/db";
import type { FastifyInstance } from "fastify";
import { collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { SearchDispatch, WorkerPresence } from "./services";

export interface MetricsOptions {
  db: Db;
  dispatch: SearchDispatch;
  workers?: WorkerPresence;
}

export function registerMetrics(app: FastifyInstance, options: MetricsOptions): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "vitnas_api_" });
  const ignore = () => undefined;

  const requests = new Histogram({
    name: "vitnas_http_request_duration_seconds",
    help: "HTTP request durations by method, route and status code",
    labelNames: ["method", "route", "status_code"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  app.addHook("onResponse", async (request, reply) => {
    requests.observe(
      { method: request.method, route: request.routeOptions.url ?? "unmatched", status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  new Gauge({
    name: "vitnas_searches",
    help: "Searches by status",
    labelNames: ["status"],
    registers: [registry],
    async collect() {
      const counts = await options.db.searches.countByStatus().catch(ignore);
      for (const [status, n] of Object.entries(counts ?? {})) this.set({ status }, n);
    },
  });
  new Gauge({
    name: "vitnas_queue_jobs",
    help: "Search queue jobs by state",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      const depth = await options.dispatch.depth().catch(ignore);
      for (const [state, n] of Object.entries(depth ?? {})) this.set({ state }, n);
    },
  });
  new Gauge({
    name: "vitnas_search_images_per_second",
    help: "Latest supernet training throughput of each running search",
    labelNames: ["search_id"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of (await options.db.progress.runningThroughput().catch(ignore)) ?? []) {
        this.set({ search_id: row.searchId }, row.imagesPerSec);
      }
    },
  });
  new Gauge({
    name: "vitnas_workers",
    help: "Workers with a live heartbeat, by backend",
    labelNames: ["backend"],
    registers: [registry],
    async collect() {
      this.reset();
      const beats = (await options.workers?.list().catch(ignore)) ?? [];
      const byBackend = new Map<string, number>();
      for (const beat of beats)
        byBackend.set(beat.backend ?? "unknown", (byBackend.get(beat.backend ?? "unknown") ?? 0) + 1);
      for (const [backend, n] of byBackend) this.set({ backend }, n);
    },
  });

  app.get(
    "/metrics",
    { config: { rateLimit: false }, schema: { summary: "Prometheus metrics", tags: ["health"] } },
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
  return registry;
}
