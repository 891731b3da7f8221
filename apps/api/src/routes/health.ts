// Liveness (the process answers) and readiness (its dependencies answer, each within a short timeout).
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { ErrorBody, Liveness, Readiness } from "../schemas";
import { withTimeout } from "../timeout";

export interface HealthRoutesOptions {
  /** Named dependency checks, e.g. { postgres, redis }; each resolves when the dependency answers. */
  checks: Record<string, () => Promise<unknown>>;
  timeoutMs: number;
}

export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, { checks, timeoutMs }) => {
  const noLimit = { rateLimit: false };

  app.get(
    "/healthz",
    { config: noLimit, schema: { summary: "The process is alive", tags: ["health"], response: { 200: Liveness } } },
    async () => ({ status: "ok" as const }),
  );

  app.get(
    "/readyz",
    {
      config: noLimit,
      schema: {
        summary: "Postgres and Redis answer",
        tags: ["health"],
        response: { 200: Readiness, 503: ErrorBody },
      },
    },
    async (_request, reply) => {
      const results = await Promise.all(
        Object.entries(checks).map(async ([name, check]) => {
          const started = performance.now();
          try {
            await withTimeout(Promise.resolve().then(check), timeoutMs, name);
            return [name, { ok: true, ms: Math.round(performance.now() - started) }] as const;
          } catch (err) {
            return [
              name,
              { ok: false, ms: Math.round(performance.now() - started), error: (err as Error).message || String(err) },
            ] as const;
          }
        }),
      );
      const down = results.filter(([, r]) => !r.ok);
      const report = Object.fromEntries(results);
      if (down.length === 0) return { status: "ready" as const, checks: report };
      return reply.status(503).send({
        error: "unavailable",
        message: `not ready: ${down.map(([name, r]) => `${name} is unreachable (${"error" in r ? r.error : ""})`).join("; ")}`,
        details: report,
      });
    },
  );
};
