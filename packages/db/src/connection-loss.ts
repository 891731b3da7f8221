// A connection to Postgres lost under a query (a server restart or failover, an operator's pg_terminate_backend, a
// reset socket) is not a bug in the query: callers answer "unavailable, retry" instead of failing, and a plain read
// is retried once on a fresh connection, which is what the caller would do anyway.
import type pg from "pg";

// SQLSTATEs of a lost or refused connection: class 08 (connection exception), admin_shutdown, crash_shutdown,
// cannot_connect_now (starting up or shutting down), idle_session_timeout, too_many_connections.
const LOST_SQLSTATE = /^(08...|57P01|57P02|57P03|57P05|53300)$/;
const SOCKET_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);
// Prisma's: can't reach the server, timed out reaching it, operations timed out, server closed the connection,
// timed out waiting for a pooled connection.
const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
// Prisma's driver-adapter error kinds for the same situations.
const ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
// node-postgres's own errors, which carry no code.
const PG_MESSAGES =
  /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect|Client was closed and is not queryable/;

interface Inspectable {
  code?: unknown;
  kind?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: unknown };
  errors?: unknown;
}

/** The errors this one wraps (Prisma's driver-adapter error and its cause, `cause`, an AggregateError's errors). */
function* chain(error: unknown, depth = 0): Generator<Inspectable> {
  if (depth > 5 || typeof error !== "object" || error === null) return;
  const e = error as Inspectable;
  yield e;
  yield* chain(e.cause, depth + 1);
  yield* chain(e.meta?.driverAdapterError, depth + 1);
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* chain(inner, depth + 1);
}

/** True when `error` (from pg, the pool or Prisma) means the connection to Postgres was lost or could not be made. */
export function isConnectionError(error: unknown): boolean {
  for (const e of chain(error)) {
    const code = typeof e.code === "string" ? e.code : "";
    if (LOST_SQLSTATE.test(code) || SOCKET_CODES.has(code) || PRISMA_CODES.has(code)) return true;
    if (typeof e.kind === "string" && ADAPTER_KINDS.has(e.kind)) return true;
    if (typeof e.message === "string" && PG_MESSAGES.test(e.message)) return true;
  }
  return false;
}

/**
 * A statement that only reads, so running it twice is harmless: SELECT or WITH without a data-modifying word and
 * without a function that changes state. Anything unsure is not a read (it is then answered, not retried).
 */
export function isReadOnlyStatement(sql: string): boolean {
  const text = sql.replace(/\/\*[\s\S]*?\*\/|--[^\n]*/g, " ");
  return (
    /^\s*(select|with)\b/i.test(text) &&
    !/\b(insert|update|delete|merge|truncate|copy|call|lock)\b/i.test(text) &&
    !/\b(nextval|setval|pg_advisory\w*|pg_notify|pg_terminate_backend|pg_cancel_backend|set_config|lo_\w+)\s*\(/i.test(
      text,
    )
  );
}

/**
 * Pause before the retry: connections terminated together (a restart ends them all) have by then had their
 * termination notices read and been dropped from the pool, so the retry gets a fresh connection, not the next dead
 * one.
 */
const RETRY_DELAY_MS = 100;

function statementText(args: unknown[]): string | undefined {
  const [first] = args;
  if (typeof first === "string") return first;
  if (typeof first === "object" && first !== null && typeof (first as { text?: unknown }).text === "string") {
    // A Submittable (cursor, stream) runs on its own schedule: never replayed.
    if (typeof (first as { submit?: unknown }).submit === "function") return undefined;
    return (first as { text: string }).text;
  }
  return undefined;
}

/**
 * Makes `pool.query` run a read-only statement once more, after a short pause, when its connection was lost.
 * Statements that write are not repeated (the first may have committed before the connection went); queries on a
 * checked-out client (transactions) are the caller's.
 */
export function retryReadsOnConnectionLoss(pool: pg.Pool): void {
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  pool.query = ((...args: unknown[]) => {
    const sql = statementText(args);
    if (typeof args.at(-1) === "function" || sql === undefined || !isReadOnlyStatement(sql)) return query(...args);
    return (query(...args) as Promise<unknown>).catch(async (error: unknown) => {
      if (!isConnectionError(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      return query(...args);
    });
  }) as typeof pool.query;
}
