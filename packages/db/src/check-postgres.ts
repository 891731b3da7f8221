// Start-up check of PostgreSQL for `npm start` and every worker, failing with a message that says where and how to
// fix it instead of a driver's stack trace minutes later.
import pg from "pg";
import { redactUrl } from "./migrate";

export const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/vitnas";

/** How long a start-up check waits for a service to answer. */
export const CHECK_TIMEOUT_MS = 5000;

/** Why a connection failed, in a word where the driver has one (ECONNREFUSED), for a start-up check's message. */
export function connectionFailureReason(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return connectionFailureReason(err.errors[0]);
  if (err instanceof Error) return (err as NodeJS.ErrnoException).code ?? err.message;
  return String(err);
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CHECK_TIMEOUT_MS });
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
        throw new Error(
          `could not create database "${name}" at ${redactUrl(url)}: ${connectionFailureReason(createErr)}`,
        );
      }
    }
    if (code === "3D000") {
      throw new Error(`database missing at ${redactUrl(url)}: create it, or run \`npm start\` once, which does`);
    }
    throw new Error(
      `PostgreSQL is unreachable at ${redactUrl(url)} (${connectionFailureReason(err)}): start it, or point DATABASE_URL at a running one`,
    );
  }
}
