// The Pareto front after each generation, as reported by the search, with its hypervolume.
import type pg from "pg";
import type { CandidatePoint } from "./candidates";
import { inTransaction } from "./transaction";

export interface FrontRecord {
  generation: number;
  hypervolume: number | null;
  points: CandidatePoint[];
}

export function frontsRepository(pool: pg.Pool) {
  const byGeneration = async (searchId: string, generation?: number): Promise<FrontRecord[]> => {
    const { rows } = await pool.query<FrontRecord>(
      `SELECT g.generation, g.hypervolume,
              coalesce(json_agg(json_build_object('id', c.arch_hash, 'accuracy', c.accuracy,
                                                  'macs', c.macs::float8, 'params', c.params::float8)
                                ORDER BY c.macs, c.arch_hash) FILTER (WHERE c.arch_hash IS NOT NULL), '[]') AS points
       FROM front_generations g
       LEFT JOIN front_members m ON m.search_id = g.search_id AND m.generation = g.generation
       LEFT JOIN candidates c ON c.search_id = m.search_id AND c.arch_hash = m.arch_hash
       WHERE g.search_id = $1 AND ($2::int IS NULL OR g.generation = $2)
       GROUP BY g.generation, g.hypervolume ORDER BY g.generation`,
      [searchId, generation ?? null],
    );
    return rows;
  };

  return {
    /**
     * Records the front after `generation` (replacing an earlier record of it, so a resumed search may repeat it).
     * Its members must already be candidates (candidates.upsert first).
     */
    async set(
      searchId: string,
      generation: number,
      members: readonly (string | { id: string })[],
      hypervolume?: number | null,
    ): Promise<void> {
      const ids = [...new Set(members.map((m) => (typeof m === "string" ? m : m.id)))];
      await inTransaction(pool, async (client) => {
        await client.query(
          `INSERT INTO front_generations (search_id, generation, hypervolume) VALUES ($1, $2, $3)
           ON CONFLICT (search_id, generation) DO UPDATE SET hypervolume = EXCLUDED.hypervolume, created_at = now()`,
          [searchId, generation, hypervolume ?? null],
        );
        await client.query("DELETE FROM front_members WHERE search_id = $1 AND generation = $2", [
          searchId,
          generation,
        ]);
        await client.query(
          `INSERT INTO front_members (search_id, generation, arch_hash) SELECT $1, $2, unnest($3::text[])`,
          [searchId, generation, ids],
        );
      });
    },

    /** Every recorded generation's front, oldest first. */
    list: (searchId: string) => byGeneration(searchId),

    /** The front of the latest recorded generation, or null when none was recorded. */
    async latest(searchId: string): Promise<FrontRecord | null> {
      const { rows } = await pool.query<{ g: number | null }>(
        "SELECT max(generation) AS g FROM front_generations WHERE search_id = $1",
        [searchId],
      );
      const g = rows[0]?.g;
      if (g === null || g === undefined) return null;
      return (await byGeneration(searchId, g))[0] ?? null;
    },
  };
}
