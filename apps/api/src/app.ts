// `buildApp(options)`: the REST API built from its dependencies (database, queue, live events, artifact store,
// logger). Nothing happens at import; server.ts listens.
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import fastifyCookie from "@fastify/cookie";
import fastifyRateLimit from "@fastify/rate-limit";
import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import { type ArtifactStore, type DatasetBlobs, storeDatasetBlobs } from "@vitnas/artifacts";
import type { Db } from "@vitnas/db";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from "fastify";
import type { Redis } from "ioredis";
import { createAuthenticator, requireIdentity } from "./auth";
import type { ArtifactReader } from "./bundle-archive";
import { type DatasetLimits, DEFAULT_DATASET_LIMITS } from "./dataset-uploads";
import { ApiError, answerFrameworkError, registerErrorHandlers } from "./errors";
import { registerInputGuard } from "./input-guard";
import { DEFAULT_JOB_LIMITS, type JobLimits } from "./job-limits";
import { registerMetrics } from "./metrics";
import { analysisRoutes } from "./routes/analysis";
import { dashboardRoutes } from "./routes/dashboard";
import { datasetRoutes } from "./routes/datasets";
import { healthRoutes } from "./routes/health";
import { reportRoutes } from "./routes/report";
import { resultRoutes } from "./routes/results";
import { searchListEventRoutes } from "./routes/search-list-events";
import { searchRoutes } from "./routes/searches";
import { sessionRoutes } from "./routes/session";
import { spaceRoutes } from "./routes/spaces";
import { supernetRoutes } from "./routes/supernets";
import { searchCache } from "./search-cache";
import { searchCommands } from "./search-commands";
import { searchLookup } from "./search-lookup";
import type { KeyRevocations, LiveEvents, SearchDispatch, WorkerPresence } from "./services";

export interface AppOptions {
  db: Db;
  dispatch: SearchDispatch;
  /** Reads stored artifacts (export bundles, reports). */
  artifacts: ArtifactReader;
  /** Wakes event streams when a worker publishes; without it they only poll. */
  live?: LiveEvents;
  workers?: WorkerPresence;
  /** Revoked API keys announced by other processes; without it a revoked key works until its cache entry expires. */
  revocations?: KeyRevocations;
  /** Dependency checks for /readyz besides Postgres (which is always checked), e.g. { redis }. */
  readiness?: Record<string, () => Promise<unknown>>;
  readinessTimeoutMs?: number;
  /** Fastify logger options (pino), or false; ignored when `loggerInstance` is given. */
  logger?: FastifyServerOptions["logger"];
  loggerInstance?: FastifyBaseLogger;
  /**
   * Requests per key (or per address when unauthenticated) per window; false disables. With `redis`, the counts
   * are shared by every API process using that Redis and `nameSpace`; without, each process counts alone.
   */
  rateLimit?: { max: number; timeWindowMs: number; redis?: Redis; nameSpace?: string } | false;
  /** The dashboard's build (default: apps/dashboard/dist). */
  dashboardDir?: string;
  sessionTtlMs?: number;
  /** Marks the session cookie Secure (serve over HTTPS). */
  secureCookie?: boolean;
  /** How long a verified API key is trusted without asking Postgres again (ms; default 5000). */
  authCacheMs?: number;
  /** How long a search read by id may be served from memory (ms; default 1000; 0 disables). */
  searchCacheMs?: number;
  eventPollMs?: number;
  trustProxy?: boolean;
  /** Directories whose files submitted jobs may read (DATASET_ROOTS); none (the default) allows only synthetic data. */
  datasetRoots?: readonly string[];
  /**
   * Where uploaded datasets are stored (POST /v1/datasets); default: `artifacts` when it is a whole artifact store,
   * else uploads answer 503.
   */
  datasetBlobs?: DatasetBlobs;
  /** What one upload may hold; unset ones keep the defaults. */
  datasetLimits?: Partial<DatasetLimits>;
  /** What one submission may ask (job cost, the team's queued plus running searches); unset ones keep the defaults. */
  jobLimits?: Partial<JobLimits>;
}

export const DEFAULT_DASHBOARD_DIR = resolve(import.meta.dirname, "../../dashboard/dist");

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: options.logger ?? false }),
    requestIdHeader: "x-request-id",
    genReqId: () => randomUUID(),
    bodyLimit: 1024 * 1024,
    trustProxy: options.trustProxy ?? false,
    frameworkErrors: answerFrameworkError,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true, allErrors: true } },
  }) as unknown as FastifyInstance;
  const { db } = options;

  registerErrorHandlers(app);
  registerInputGuard(app);
  app.decorateRequest("identity", null);
  app.decorateRequest("authError", null);
  app.decorateRequest("search", null);
  app.addHook("onSend", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });

  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: "ViT NAS service",
        version: "1.0.0",
        description:
          "Submit neural architecture searches for efficient Vision Transformers and read their results. Authenticate with `Authorization: Bearer <api key>`.",
      },
      components: {
        securitySchemes: {
          apiKey: { type: "http", scheme: "bearer" },
          session: { type: "apiKey", in: "cookie", name: "vitnas_session" },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: "/docs", uiConfig: { docExpansion: "list" } });
  app.get("/openapi.json", { config: { rateLimit: false }, schema: { hide: true } }, async () => app.swagger());

  const { authenticate, forget } = createAuthenticator({
    db,
    ...(options.authCacheMs !== undefined ? { cacheMs: options.authCacheMs } : {}),
  });
  if (options.revocations) {
    const stop = options.revocations.subscribe(forget);
    app.addHook("onClose", async () => stop());
    // Without Redis the API still starts; revoked keys then live on until their cache entries expire.
    await options.revocations
      .ready()
      .catch((err: unknown) => app.log.warn({ err }, "API key revocations not subscribed yet; the auth cache expires"));
  }
  const limit = options.rateLimit ?? { max: 600, timeWindowMs: 60_000 };
  if (limit) {
    await app.register(fastifyRateLimit, {
      global: true,
      max: limit.max,
      timeWindow: limit.timeWindowMs,
      ...(limit.redis ? { redis: limit.redis, nameSpace: `${limit.nameSpace ?? "vitnas"}:rate-limit:` } : {}),
      // A Redis outage must not take the API down with it: requests pass unlimited until it returns.
      skipOnError: true,
      // A route-level hook, so it runs after the scope's authentication: the limit is per API key, and failed
      // attempts count against their address before `requireIdentity` answers them.
      hook: "onRequest",
      keyGenerator: (request) => (request.identity ? `key:${request.identity.key.id}` : `ip:${request.ip}`),
      // The limit guards the API; the dashboard's files and the documentation are not counted.
      allowList: (request) => !/^\/v1(\/|\?|$)/.test(request.url),
      errorResponseBuilder: (_request, context) =>
        new ApiError(
          429,
          "rate_limited",
          `rate limit of ${context.max} requests per ${context.after} exceeded; retry in ${context.after}`,
          {
            limit: context.max,
            retryAfter: context.after,
          },
        ),
    });
  }

  registerMetrics(app, { db, dispatch: options.dispatch, ...(options.workers ? { workers: options.workers } : {}) });
  await app.register(healthRoutes, {
    checks: { postgres: () => db.ping(), ...options.readiness },
    timeoutMs: options.readinessTimeoutMs ?? 1500,
  });

  const searches = searchCache(db, options.searchCacheMs ?? 1000);
  const lookup = searchLookup(db, searches);
  const jobLimits = { ...DEFAULT_JOB_LIMITS, ...options.jobLimits };
  const whole = options.artifacts as Partial<ArtifactStore>;
  const datasetBlobs =
    options.datasetBlobs ??
    (whole.put && whole.stat ? storeDatasetBlobs(options.artifacts as ArtifactStore) : undefined);
  const datasetRoots = options.datasetRoots ?? [];
  const commands = searchCommands(db, options.dispatch, options.live, searches, app.log, datasetRoots, jobLimits);
  await app.register(
    async (v1) => {
      await v1.register(sessionRoutes, {
        db,
        authenticate,
        ttlMs: options.sessionTtlMs ?? 7 * 24 * 3600 * 1000,
        secureCookie: options.secureCookie ?? false,
      });
      await v1.register(
        async (scope) => {
          scope.addHook("onRequest", authenticate);
          scope.addHook("preHandler", requireIdentity);
          scope.addHook("preHandler", async (request) => {
            const id = (request.params as { id?: string } | undefined)?.id;
            if (id) request.log = request.log.child({ searchId: id });
          });
          // Every `/:id` route below answers for the team's search named by the path, resolved here once.
          scope.addHook("preHandler", lookup.hook);
          await scope.register(searchRoutes, {
            db,
            commands,
            ...(options.live ? { live: options.live } : {}),
            eventPollMs: options.eventPollMs ?? 1000,
          });
          await scope.register(resultRoutes, { db, artifacts: options.artifacts });
          await scope.register(reportRoutes, { db, artifacts: options.artifacts });
          await scope.register(analysisRoutes, { db, searches: lookup });
          await scope.register(searchListEventRoutes, { db, pollMs: options.eventPollMs ?? 1000 });
        },
        { prefix: "/searches" },
      );
      await v1.register(spaceRoutes, { authenticate, datasetRoots, limits: jobLimits, prefix: "/spaces" });
      await v1.register(
        async (scope) => {
          scope.addHook("onRequest", authenticate);
          scope.addHook("preHandler", requireIdentity);
          await scope.register(datasetRoutes, {
            db,
            ...(datasetBlobs ? { blobs: datasetBlobs } : {}),
            limits: { ...DEFAULT_DATASET_LIMITS, ...options.datasetLimits },
          });
        },
        { prefix: "/datasets" },
      );
      await v1.register(
        async (scope) => {
          scope.addHook("onRequest", authenticate);
          scope.addHook("preHandler", requireIdentity);
          await scope.register(supernetRoutes, { db });
        },
        { prefix: "/supernets" },
      );
    },
    { prefix: "/v1" },
  );

  await app.register(dashboardRoutes, { dir: options.dashboardDir ?? DEFAULT_DASHBOARD_DIR });
  return app;
}
