// Start-up checks of the services a worker (and `npm start`) needs, each failing with a message that says which
// service, where, and how to fix it, instead of a driver's stack trace minutes later.
import { redactUrl } from "@vitnas/db";
import { Redis } from "ioredis";
import pg from "pg";

const TIMEOUT_MS = 5000;

function reason(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return reason(err.errors[0]);
  if (err instanceof Error) return (err as NodeJS.ErrnoException).code ?? err.message;
  return String(err);
}

export async function checkRedis(url: string): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // connect() rejects with a bare "Connection is closed."; the socket's own error says why.
  let socketError: unknown;
  redis.on("error", (err) => {
    socketError ??= err;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(
      `Redis is unreachable at ${redactUrl(url)} (${reason(socketError ?? err)}): start it, or point REDIS_URL at a running one`,
    );
  } finally {
    redis.disconnect();
  }
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: TIMEOUT_MS });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/**
 * Checks that PostgreSQL answers at `url`; with `create`, creates the database when the server answers but the
 * database does not exist yet (connecting through the server's `postgres` database to do it).
 */
export async function checkPostgres(url: string, options: { create?: boolean } = {}): Promise<{ created: boolean }> {
  try {
    await withClient(url, (client) => client.query("select 1"));
    return { created: false };
  } catch (err) {
    const code = (err as { code?: string }).code;
    // 3D000: invalid_catalog_name, the database does not exist.
    if (code === "3D000" && options.create) {
      const target = new URL(url);
      const name = decodeURIComponent(target.pathname.slice(1));
      target.pathname = "/postgres";
      try {
        await withClient(target.toString(), (client) =>
          client.query(`create database ${pg.escapeIdentifier(name)}`).catch((error: { code?: string }) => {
            // 42P04: created meanwhile by another process starting against the same server.
            if (error.code !== "42P04") throw error;
          }),
        );
        return { created: true };
      } catch (createErr) {
        throw new Error(`could not create database "${name}" at ${redactUrl(url)}: ${reason(createErr)}`);
      }
    }
    if (code === "3D000") {
      throw new Error(`database missing at ${redactUrl(url)}: create it, or run \`npm start\` once, which does`);
    }
    throw new Error(
      `PostgreSQL is unreachable at ${redactUrl(url)} (${reason(err)}): start it, or point DATABASE_URL at a running one`,
    );
  }
}
