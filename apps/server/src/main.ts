// `npm start`: a whole single-machine service. Checks PostgreSQL (creating the database when it is missing) and
// Redis, applies the migrations once, then runs the API (apps/api/src/server.ts, on PORT, default 3000) and one
// worker (apps/worker/src/main.ts, what `npm run worker` runs) as child processes with this environment. SIGINT and
// SIGTERM go to both (the worker checkpoints its running searches and puts them back in the queue); either dying
// stops the other and this launcher with status 1, except a worker whose backend failed its self-test (status 3):
// the API keeps serving and searches wait in the queue. More workers: `npm run worker` (docs/deployment.md).
import { resolve } from "node:path";
import { checkPostgres, DEFAULT_DATABASE_URL, migrate, redactUrl } from "@vitnas/db";
import { checkRedis, DEFAULT_REDIS_URL } from "@vitnas/queue";
import { pino } from "pino";
import { superviseChildren } from "./children";

const ROOT = resolve(import.meta.dirname, "../../..");
/** The worker's exit status for a backend that failed its start-up self-test (apps/worker/src/main.ts). */
const SELF_TEST_FAILED = 3;

const logger = pino({ name: "start", level: process.env.LOG_LEVEL || "info" });
let signalled: NodeJS.Signals | undefined;
let stopChildren: ((signal: NodeJS.Signals) => void) | undefined;

function onSignal(signal: NodeJS.Signals): void {
  logger.info(
    { signal },
    signalled
      ? "second signal: the worker stops without waiting for checkpoints"
      : "shutting down: running searches checkpoint and go back to the queue",
  );
  signalled = signal;
  stopChildren?.(signal);
}
process.on("SIGTERM", onSignal);
process.on("SIGINT", onSignal);
// The children are in their own process groups, so a closed terminal's SIGHUP reaches them only through here.
process.on("SIGHUP", () => onSignal("SIGTERM"));

async function start(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  await checkRedis(process.env.REDIS_URL || DEFAULT_REDIS_URL);
  const { created } = await checkPostgres(databaseUrl, { create: true });
  if (created) logger.info({ database: redactUrl(databaseUrl) }, "created the database");
  const applied = await migrate(databaseUrl);
  logger.info(
    { database: redactUrl(databaseUrl), applied },
    applied.length ? "applied migrations" : "schema up to date",
  );
  if (signalled) process.exit(0);

  stopChildren = superviseChildren(
    [
      { name: "API", entry: resolve(ROOT, "apps/api/src/server.ts") },
      { name: "worker", entry: resolve(ROOT, "apps/worker/src/main.ts"), optionalExitCode: SELF_TEST_FAILED },
    ],
    logger,
  ).stop;
}

start().catch((err: unknown) => {
  logger.fatal({ err }, err instanceof Error ? err.message : String(err));
  process.exit(1);
});
