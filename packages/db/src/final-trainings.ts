// The final phase's results: front architectures trained alone after the search and measured on the test split,
// one row per (search, architecture). The worker writes a finished search's whole set at once; a resumed or retried
// search writing it again replaces it, never adding a row.
import type pg from "pg";
import { inTransaction } from "./transaction";

/** What the pipeline reports per trained architecture (`id` is its canonical hash). */
export interface FinalTrainingInput {
  id: string;
  testAccuracy: number;
  valAccuracy: number;
  epochs: number;
  mode: string;
}

export type FinalTrainingRecord = FinalTrainingInput;

const COLUMNS = `arch_hash AS id, test_accuracy AS "testAccuracy", val_accuracy AS "valAccuracy", epochs, mode`;

export function finalTrainingsRepository(pool: pg.Pool) {
  return {
    /**
     * Makes `trainings` the search's final set: each upserted, any other architecture's row removed (one transaction).
     * Every architecture must already be a candidate of the search.
     */
    async replace(searchId: string, trainings: readonly FinalTrainingInput[]): Promise<void> {
      // The last report of an architecture wins (ON CONFLICT cannot touch a row twice in one statement).
      const rows = [...new Map(trainings.map((t) => [t.id, t])).values()];
      await inTransaction(pool, async (client) => {
        await client.query("DELETE FROM final_trainings WHERE search_id = $1 AND arch_hash <> ALL($2::text[])", [
          searchId,
          rows.map((t) => t.id),
        ]);
        if (rows.length > 0) {
          await client.query(
            `INSERT INTO final_trainings (search_id, arch_hash, test_accuracy, val_accuracy, epochs, mode)
             SELECT $1, * FROM unnest($2::text[], $3::float8[], $4::float8[], $5::int[], $6::text[])
             ON CONFLICT (search_id, arch_hash) DO UPDATE SET
               test_accuracy = EXCLUDED.test_accuracy, val_accuracy = EXCLUDED.val_accuracy,
               epochs = EXCLUDED.epochs, mode = EXCLUDED.mode`,
            [
              searchId,
              rows.map((t) => t.id),
              rows.map((t) => t.testAccuracy),
              rows.map((t) => t.valAccuracy),
              rows.map((t) => t.epochs),
              rows.map((t) => t.mode),
            ],
          );
        }
      });
    },

    /** The search's trained architectures, most accurate on the test split first. */
    list: async (searchId: string): Promise<FinalTrainingRecord[]> =>
      (
        await pool.query<FinalTrainingRecord>(
          `SELECT ${COLUMNS} FROM final_trainings WHERE search_id = $1 ORDER BY test_accuracy DESC, arch_hash`,
          [searchId],
        )
      ).rows,

    /** Those of `archHashes` that were trained, by architecture hash (one index probe per hash). */
    async forArchs(searchId: string, archHashes: readonly string[]): Promise<Map<string, FinalTrainingRecord>> {
      if (archHashes.length === 0) return new Map();
      const { rows } = await pool.query<FinalTrainingRecord>(
        `SELECT ${COLUMNS} FROM final_trainings WHERE search_id = $1 AND arch_hash = ANY($2::text[])`,
        [searchId, [...new Set(archHashes)]],
      );
      return new Map(rows.map((row) => [row.id, row]));
    },
  };
}
