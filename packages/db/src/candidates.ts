// Every evaluated candidate of a search, once per architecture hash. Upserts make a resumed search that
// re-reports candidates write no duplicates; queries are keyset-paged over the (search, accuracy) and
// (search, MACs) indexes so "the most accurate architecture under N MACs" is one index walk.
import type { VitArch } from "@vitnas/formats";
import type pg from "pg";
import { decodeCursor, encodeCursor } from "./cursor";

/** What the pipeline reports per evaluated architecture (`id` is its canonical hash). */
export interface CandidateInput {
  id: string;
  arch: VitArch | Record<string, unknown>;
  accuracy: number;
  macs: number;
  params: number;
  generation: number;
}

export interface CandidatePoint {
  id: string;
  accuracy: number;
  macs: number;
  params: number;
}

export interface CandidateRecord extends CandidatePoint {
  generation: number;
  arch?: VitArch;
}

export const CANDIDATE_SORTS = ["accuracy", "-accuracy", "macs", "-macs"] as const;
export type CandidateSort = (typeof CANDIDATE_SORTS)[number];

export interface CandidateQuery {
  searchId: string;
  maxMacs?: number;
  minAccuracy?: number;
  maxParams?: number;
  sort?: CandidateSort;
  limit: number;
  cursor?: string;
  /** Include each candidate's architecture document. */
  withArch?: boolean;
}

export interface ScatterPoint extends CandidatePoint {
  /** Candidates this point stands for (1 unless downsampled). */
  count: number;
}

const BATCH = 2000;

// ORDER BY and the keyset condition for each sort; ties are broken by arch hash so pages never overlap.
const ORDER: Record<CandidateSort, { column: "accuracy" | "macs"; order: string; after: string }> = {
  "-accuracy": {
    column: "accuracy",
    order: "accuracy DESC, arch_hash ASC",
    after: "(accuracy < $V OR (accuracy = $V AND arch_hash > $H))",
  },
  accuracy: {
    column: "accuracy",
    order: "accuracy ASC, arch_hash DESC",
    after: "(accuracy > $V OR (accuracy = $V AND arch_hash < $H))",
  },
  macs: { column: "macs", order: "macs ASC, arch_hash ASC", after: "(macs, arch_hash) > ($V, $H)" },
  "-macs": { column: "macs", order: "macs DESC, arch_hash DESC", after: "(macs, arch_hash) < ($V, $H)" },
};

export function candidatesRepository(pool: pg.Pool) {
  return {
    /** Inserts or refreshes candidates in batches; the first generation that saw an architecture is kept. */
    async upsert(searchId: string, candidates: readonly CandidateInput[]): Promise<number> {
      let written = 0;
      for (let start = 0; start < candidates.length; start += BATCH) {
        const batch = candidates.slice(start, start + BATCH);
        const out = await pool.query(
          `INSERT INTO candidates (search_id, arch_hash, arch, accuracy, macs, params, generation)
           SELECT $1, * FROM unnest($2::text[], $3::jsonb[], $4::float8[], $5::int8[], $6::int8[], $7::int[])
           ON CONFLICT (search_id, arch_hash) DO UPDATE SET
             arch = EXCLUDED.arch, accuracy = EXCLUDED.accuracy, macs = EXCLUDED.macs, params = EXCLUDED.params,
             generation = LEAST(candidates.generation, EXCLUDED.generation)`,
          [
            searchId,
            batch.map((c) => c.id),
            batch.map((c) => JSON.stringify(c.arch)),
            batch.map((c) => c.accuracy),
            batch.map((c) => Math.round(c.macs)),
            batch.map((c) => Math.round(c.params)),
            batch.map((c) => c.generation),
          ],
        );
        written += out.rowCount ?? 0;
      }
      return written;
    },

    /** A filtered, sorted page of candidates, with the cursor of the next page. */
    async query(q: CandidateQuery): Promise<{ items: CandidateRecord[]; nextCursor: string | null }> {
      const sort = ORDER[q.sort ?? "-accuracy"];
      const params: unknown[] = [q.searchId];
      const where = ["search_id = $1"];
      const add = (value: unknown) => `$${params.push(value)}`;
      if (q.maxMacs !== undefined) where.push(`macs <= ${add(Math.floor(q.maxMacs))}`);
      if (q.minAccuracy !== undefined) where.push(`accuracy >= ${add(q.minAccuracy)}`);
      if (q.maxParams !== undefined) where.push(`params <= ${add(Math.floor(q.maxParams))}`);
      if (q.cursor) {
        const [value, hash] = decodeCursor(q.cursor, "number");
        const v = add(value);
        const h = add(hash);
        where.push(sort.after.replaceAll("$V", () => v).replaceAll("$H", () => h));
      }
      const limit = add(q.limit + 1);
      const { rows } = await pool.query<CandidateRecord>(
        `SELECT arch_hash AS id, accuracy, macs::float8 AS macs, params::float8 AS params, generation
                ${q.withArch ? ", arch" : ""}
         FROM candidates WHERE ${where.join(" AND ")} ORDER BY ${sort.order} LIMIT ${limit}`,
        params,
      );
      const items = rows.slice(0, q.limit);
      const last = items.at(-1);
      const nextCursor = rows.length > q.limit && last ? encodeCursor(last[sort.column], last.id) : null;
      return { items, nextCursor };
    },

    async get(searchId: string, archHash: string): Promise<(CandidateRecord & { arch: VitArch }) | null> {
      const { rows } = await pool.query<CandidateRecord & { arch: VitArch }>(
        `SELECT arch_hash AS id, accuracy, macs::float8 AS macs, params::float8 AS params, generation, arch
         FROM candidates WHERE search_id = $1 AND arch_hash = $2`,
        [searchId, archHash],
      );
      return rows[0] ?? null;
    },

    count: async (searchId: string): Promise<number> =>
      (await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM candidates WHERE search_id = $1", [searchId]))
        .rows[0]?.n ?? 0,

    /** The non-dominated candidates (accuracy up, MACs down), by increasing MACs, computed from every candidate. */
    async paretoFront(searchId: string): Promise<CandidatePoint[]> {
      const { rows } = await pool.query<CandidatePoint>(
        `SELECT id, accuracy, macs, params FROM (
           SELECT arch_hash AS id, accuracy, macs::float8 AS macs, params::float8 AS params,
                  max(accuracy) OVER (ORDER BY macs, accuracy DESC, arch_hash
                                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS best_below
           FROM candidates WHERE search_id = $1) c
         WHERE best_below IS NULL OR accuracy > best_below ORDER BY macs`,
        [searchId],
      );
      return rows;
    },

    /**
     * At most `budget` points standing for the candidates not in `exclude`: all of them when few enough, otherwise
     * the most accurate candidate of each cell of a grid over (MACs, accuracy), with the cell's count.
     */
    async downsample(searchId: string, budget: number, exclude: readonly string[]): Promise<ScatterPoint[]> {
      if (budget <= 0) return [];
      const grid = Math.max(1, Math.floor(Math.sqrt(budget)));
      const { rows } = await pool.query<ScatterPoint>(
        `WITH others AS (
           SELECT arch_hash, accuracy, macs::float8 AS macs, params::float8 AS params FROM candidates
           WHERE search_id = $1 AND arch_hash <> ALL($2::text[])),
         stats AS (SELECT count(*) AS n, min(macs) AS lo_m, max(macs) AS hi_m, min(accuracy) AS lo_a,
                          max(accuracy) AS hi_a FROM others),
         cells AS (
           SELECT o.*,
                  CASE WHEN s.n <= $3 THEN o.arch_hash ELSE
                    width_bucket(o.macs, s.lo_m, s.hi_m + 1, $4)::text || ':' ||
                    width_bucket(o.accuracy, s.lo_a, s.hi_a + 1e-9, $4)::text END AS cell
           FROM others o CROSS JOIN stats s)
         SELECT DISTINCT ON (cell) arch_hash AS id, accuracy, macs, params,
                count(*) OVER (PARTITION BY cell)::int AS count
         FROM cells ORDER BY cell, accuracy DESC, arch_hash`,
        [searchId, exclude, budget, grid],
      );
      return rows;
    },
  };
}
