// Measured latency of a search's front: each front architecture's batch-1 latency in ONNX Runtime on the worker's
// CPU (docs/export.md, "Latency"), one row per (search, architecture). The worker writes a finished search's set at
// once; a resumed or retried search writing it again replaces it (its front measured again), never adding a row.
import type pg from "pg";
import { inTransaction } from "./transaction";

/** What the pipeline measured of one front architecture (`id` is its canonical hash). */
export interface FrontLatencyInput {
  id: string;
  medianMs: number;
  p90Ms: number;
  threads: number;
  runs: number;
  cpu: string;
}

export type FrontLatencyRecord = FrontLatencyInput;

const COLUMNS = `arch_hash AS id, median_ms AS "medianMs", p90_ms AS "p90Ms", threads, runs, cpu`;

export function frontLatenciesRepository(pool: pg.Pool) {
  return {
    /**
     * Makes `latencies` the search's measured set: each upserted, any other architecture's row removed (one
     * transaction). Every architecture must already be a candidate of the search.
     */
    async replace(searchId: string, latencies: readonly FrontLatencyInput[]): Promise<void> {
      // The last report of an architecture wins (ON CONFLICT cannot touch a row twice in one statement).
      const rows = [...new Map(latencies.map((l) => [l.id, l])).values()];
      await inTransaction(pool, async (client) => {
        await client.query("DELETE FROM front_latencies WHERE search_id = $1 AND arch_hash <> ALL($2::text[])", [
          searchId,
          rows.map((l) => l.id),
        ]);
        if (rows.length > 0) {
          await client.query(
            `INSERT INTO front_latencies (search_id, arch_hash, median_ms, p90_ms, threads, runs, cpu)
             SELECT $1, * FROM unnest($2::text[], $3::float8[], $4::float8[], $5::int[], $6::int[], $7::text[])
             ON CONFLICT (search_id, arch_hash) DO UPDATE SET
               median_ms = EXCLUDED.median_ms, p90_ms = EXCLUDED.p90_ms, threads = EXCLUDED.threads,
               runs = EXCLUDED.runs, cpu = EXCLUDED.cpu, created_at = now()`,
            [
              searchId,
              rows.map((l) => l.id),
              rows.map((l) => l.medianMs),
              rows.map((l) => l.p90Ms),
              rows.map((l) => l.threads),
              rows.map((l) => l.runs),
              rows.map((l) => l.cpu),
            ],
          );
        }
      });
    },

    /** The search's measured architectures, fastest first. */
    list: async (searchId: string): Promise<FrontLatencyRecord[]> =>
      (
        await pool.query<FrontLatencyRecord>(
          `SELECT ${COLUMNS} FROM front_latencies WHERE search_id = $1 ORDER BY median_ms, arch_hash`,
          [searchId],
        )
      ).rows,

    /** Those of `archHashes` that were measured, by architecture hash. */
    async forArchs(searchId: string, archHashes: readonly string[]): Promise<Map<string, FrontLatencyRecord>> {
      if (archHashes.length === 0) return new Map();
      const { rows } = await pool.query<FrontLatencyRecord>(
        `SELECT ${COLUMNS} FROM front_latencies WHERE search_id = $1 AND arch_hash = ANY($2::text[])`,
        [searchId, [...new Set(archHashes)]],
      );
      return new Map(rows.map((row) => [row.id, row]));
    },
  };
}
