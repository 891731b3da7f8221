// The job's baselines as trained: reference architectures (the space's uniform ones, the job's own) trained alone with
// the final phase's recipe and measured on the test split, one row per (search, name). The worker writes a finished
// search's whole set at once; a resumed or retried search writing it again replaces it, never adding a row.
import type { VitArch } from "@vitnas/formats";
import type pg from "pg";
import { inTransaction } from "./transaction";

/** What the pipeline reports per baseline (`id` is its architecture's canonical hash), with its document. */
export interface BaselineInput {
  name: string;
  id: string;
  arch: VitArch;
  macs: number;
  params: number;
  testAccuracy: number;
  valAccuracy: number;
  epochs: number;
  mode: string;
  /** The trained bundle's directory in the search's output, e.g. "baselines/uniform-smallest". */
  bundle: string;
}

export type BaselineRecord = BaselineInput;

const COLUMNS = `name, arch_hash AS id, arch, macs::float8 AS macs, params::float8 AS params,
  test_accuracy AS "testAccuracy", val_accuracy AS "valAccuracy", epochs, mode, bundle`;

export function baselinesRepository(pool: pg.Pool) {
  return {
    /** Makes `baselines` the search's set: each upserted by name, any other name's row removed (one transaction). */
    async replace(searchId: string, baselines: readonly BaselineInput[]): Promise<void> {
      // The last report of a name wins (ON CONFLICT cannot touch a row twice in one statement).
      const rows = [...new Map(baselines.map((b) => [b.name, b])).values()];
      await inTransaction(pool, async (client) => {
        await client.query("DELETE FROM baselines WHERE search_id = $1 AND name <> ALL($2::text[])", [
          searchId,
          rows.map((b) => b.name),
        ]);
        if (rows.length > 0) {
          await client.query(
            `INSERT INTO baselines
               (search_id, name, arch_hash, arch, macs, params, test_accuracy, val_accuracy, epochs, mode, bundle)
             SELECT $1, * FROM unnest($2::text[], $3::text[], $4::jsonb[], $5::bigint[], $6::bigint[], $7::float8[],
                                      $8::float8[], $9::int[], $10::text[], $11::text[])
             ON CONFLICT (search_id, name) DO UPDATE SET
               arch_hash = EXCLUDED.arch_hash, arch = EXCLUDED.arch, macs = EXCLUDED.macs, params = EXCLUDED.params,
               test_accuracy = EXCLUDED.test_accuracy, val_accuracy = EXCLUDED.val_accuracy,
               epochs = EXCLUDED.epochs, mode = EXCLUDED.mode, bundle = EXCLUDED.bundle`,
            [
              searchId,
              rows.map((b) => b.name),
              rows.map((b) => b.id),
              rows.map((b) => JSON.stringify(b.arch)),
              rows.map((b) => Math.round(b.macs)),
              rows.map((b) => Math.round(b.params)),
              rows.map((b) => b.testAccuracy),
              rows.map((b) => b.valAccuracy),
              rows.map((b) => b.epochs),
              rows.map((b) => b.mode),
              rows.map((b) => b.bundle),
            ],
          );
        }
      });
    },

    /** The search's baselines by increasing MACs (then name), as a chart reads them. */
    list: async (searchId: string): Promise<BaselineRecord[]> =>
      (
        await pool.query<BaselineRecord>(`SELECT ${COLUMNS} FROM baselines WHERE search_id = $1 ORDER BY macs, name`, [
          searchId,
        ])
      ).rows,
  };
}
